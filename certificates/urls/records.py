from django.urls import path

from certificates.views import records

app_name = "records"

urlpatterns = [
    path("", records.records, name="list"),
]

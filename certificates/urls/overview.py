from django.urls import path

from certificates.views import overview

app_name = "overview"

urlpatterns = [
    path("", overview.overview, name="team"),
]

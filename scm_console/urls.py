from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="certificates:list", permanent=False)),
    path("certificates/", include("certificates.urls.certificates")),
    path("records/", include("certificates.urls.records")),
    path("overview/", include("certificates.urls.overview")),
    path("teams/", include("teams.urls")),
    path("v3/", include("certificates.api.urls")),
    path("acme/", include("certificates.acme.urls")),
    path("", include("certificates.urls.ca")),
    path("accounts/", include("teams.account_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]

# 503 with Retry-After while the database is unreachable (scm_console/server_errors.py).
handler500 = "scm_console.server_errors.server_error"
handler404 = "scm_console.server_errors.not_found"


if settings.SCM_BENCH_VIEWS:
    urlpatterns += [path("", include("scm_console.bench_urls"))]

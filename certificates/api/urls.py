"""The REST API's URLs (SPEC §10) under /v3/: SCM's paths, the OpenAPI 3.1 schema and the
interactive docs, served by the console itself (drf-spectacular-sidecar: no CDN)."""

from csp.decorators import csp_update
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from certificates.api import errors, views

app_name = "api"

urlpatterns = [
    path("scm/certificates", views.Certificates.as_view(), name="certificates"),
    path("scm/certificates/<int:pk>", views.CertificateDetail.as_view(), name="certificate"),
    path("scm/certificates/<int:pk>/apply", views.Apply.as_view(), name="apply"),
    path("scm/certificates/<int:pk>/verify", views.Verify.as_view(), name="verify"),
    path("scm/certificates/<int:pk>/cancel-cert", views.Cancel.as_view(), name="cancel"),
    path("scm/certificates/<int:pk>/revoke", views.Revoke.as_view(), name="revoke"),
    path("scm/certificates/<int:pk>/export", views.Export.as_view(), name="export"),
    path(
        "openapi.json",
        SpectacularAPIView.as_view(
            renderer_classes=SpectacularAPIView.renderer_classes,
            authentication_classes=[],
            permission_classes=[],
            throttle_classes=[],
        ),
        {"format": "json"},
        name="schema",
    ),
    path(
        "docs/",
        # Swagger UI's stylesheet draws a few icons as data: images; nothing else is relaxed.
        csp_update({"img-src": ["data:"]})(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:schema", authentication_classes=[], permission_classes=[]
            )
        ),
        name="docs",
    ),
    # Last: any other path under /v3/ (an id that is not a number, a trailing slash) is
    # SCM's JSON 404 whatever the method, DEBUG or not (with DEBUG on, Django answers a
    # path no pattern matches with its HTML debug page, not the handler404).
    # (No CSRF check: a token, not a cookie, authenticates here, as in every API view.)
    re_path(r"", csrf_exempt(errors.no_endpoint), name="no-endpoint"),
]

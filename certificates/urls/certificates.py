from django.urls import path

from certificates.actions import OWNER_ACTIONS
from certificates.views import applying, details, lists, steps

app_name = "certificates"

urlpatterns = [
    path("", lists.certificate_list, name="list"),
    path("buy/", applying.certificate_buy, name="buy"),
    path("<int:pk>/", details.certificate_detail, name="detail"),
    path("<int:pk>/apply/", applying.certificate_apply, name="apply"),
    path("<int:pk>/apply/check/", applying.certificate_apply_check, name="apply-check"),
    path("<int:pk>/apply/csr/", applying.certificate_apply_csr, name="apply-csr"),
    path("<int:pk>/rename/", steps.certificate_rename, name="rename"),
    path("<int:pk>/renew/", steps.certificate_renew, name="renew"),
    path("<int:pk>/verify/", details.certificate_verify_now, name="verify"),
    path("<int:pk>/download/<slug:server>/", steps.certificate_download, name="download"),
    path("<int:pk>/domains/<int:domain_pk>/method/", details.domain_method, name="domain-method"),
    path("verify-email/<str:token>/", details.verify_email_link, name="verify-email"),
    # One confirmation page per owner step: /certificates/<id>/withdraw/, …/delete/, …
    *(
        path(f"<int:pk>/{slug}/", steps.certificate_action, {"slug": slug}, name=slug)
        for slug in OWNER_ACTIONS
    ),
]

from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("", views.certificate_list, name="list"),
    path("buy/", views.certificate_buy, name="buy"),
    path("<int:pk>/", views.certificate_detail, name="detail"),
    path("<int:pk>/apply/", views.certificate_apply, name="apply"),
    path("<int:pk>/apply/check/", views.certificate_apply_check, name="apply-check"),
    path("<int:pk>/rename/", views.certificate_rename, name="rename"),
    path("<int:pk>/renew/", views.certificate_renew, name="renew"),
    path("<int:pk>/verify/", views.certificate_verify_now, name="verify"),
    path("<int:pk>/download/<slug:server>/", views.certificate_download, name="download"),
    path("<int:pk>/domains/<int:domain_pk>/method/", views.domain_method, name="domain-method"),
    path("verify-email/<str:token>/", views.verify_email_link, name="verify-email"),
    # One confirmation page per owner action: /certificates/<id>/withdraw/, …/delete/, …
    *(
        path(f"<int:pk>/{slug}/", views.certificate_action, {"slug": slug}, name=slug)
        for slug in views.OWNER_ACTIONS
    ),
]

from django.urls import path

from certificates import ca_views

app_name = "ca"

urlpatterns = [
    path("ca/", ca_views.ca_list, name="list"),
    path("ca/<slug:brand>/root.pem", ca_views.root_pem, name="root"),
    path("ca/<slug:brand>/chain.pem", ca_views.chain_pem, name="chain"),
    path("ca/<slug:brand>/issuer.der", ca_views.issuer_der, name="issuer"),
    path("ca/<slug:brand>.crl", ca_views.crl, name="crl"),
    path("ocsp/", ca_views.ocsp, name="ocsp"),
    path("ocsp/<path:encoded>", ca_views.ocsp, name="ocsp-get"),
]

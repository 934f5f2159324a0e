from django.urls import path

from certificates.views import public

app_name = "ca"

urlpatterns = [
    path("ca/", public.ca_list, name="list"),
    path("ca/<slug:brand>/root.pem", public.root_pem, name="root"),
    path("ca/<slug:brand>/root.der", public.root_der, name="root-der"),
    path("ca/<slug:brand>/root.crl", public.root_crl, name="root-crl"),
    path("ca/<slug:brand>/chain.pem", public.chain_pem, name="chain"),
    path("ca/<slug:brand>/issuer.der", public.issuer_der, name="issuer"),
    path("ca/<slug:brand>.crl", public.crl, name="crl"),
    path("ocsp/", public.ocsp, name="ocsp"),
    path("ocsp/<path:encoded>", public.ocsp, name="ocsp-get"),
]

"""The CA's public face: CA certificates, CRLs and the OCSP responder. No login: relying
parties (browsers, servers, openssl) fetch these."""

import base64
import binascii
import functools
from collections.abc import Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from certificates.choices import Brand, CAKind
from certificates.models import CertificateAuthority
from certificates.services import issuance


def head_like_get(*methods: str) -> Callable:
    """Answer HEAD as GET, headers and length included, without the body (RFC 9110 §9.3.2):
    clients and monitors ask whether a CRL or CA certificate changed before fetching it."""

    def decorator(view: Callable) -> Callable:
        @require_http_methods(["GET", "HEAD", *methods])
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if request.method == "HEAD" and not response.streaming:
                response["Content-Length"] = str(len(response.content))
                response.content = b""
            return response

        return wrapped

    return decorator


def _authority(brand: str, kind: CAKind) -> CertificateAuthority:
    if brand not in Brand.values:
        raise Http404("No such brand.")
    authority = CertificateAuthority.objects.filter(brand=brand, kind=kind, active=True).first()
    if authority is None:
        raise Http404("This CA has not been created yet.")
    return authority


def _pem(content: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@head_like_get()
def ca_list(request: HttpRequest) -> HttpResponse:
    authorities = CertificateAuthority.objects.filter(active=True).order_by("brand", "kind")
    rows = []
    for authority in authorities:
        certificate = x509.load_pem_x509_certificate(authority.certificate_pem.encode())
        rows.append(
            {
                "authority": authority,
                "subject": certificate.subject.rfc4514_string(),
                "not_after": certificate.not_valid_after_utc,
                "sha256": certificate.fingerprint(hashes.SHA256()).hex(":").upper(),
            }
        )
    return render(request, "certificates/ca.html", {"rows": rows})


@head_like_get()
def root_pem(request: HttpRequest, brand: str) -> HttpResponse:
    return _pem(_authority(brand, CAKind.ROOT).certificate_pem, f"{brand}-root.pem")


@head_like_get()
def chain_pem(request: HttpRequest, brand: str) -> HttpResponse:
    return _pem(_authority(brand, CAKind.INTERMEDIATE).certificate_pem, f"{brand}-chain.pem")


def _der(authority: CertificateAuthority) -> HttpResponse:
    certificate = x509.load_pem_x509_certificate(authority.certificate_pem.encode())
    der = certificate.public_bytes(serialization.Encoding.DER)
    return HttpResponse(der, content_type="application/pkix-cert")


@head_like_get()
def issuer_der(request: HttpRequest, brand: str) -> HttpResponse:
    """The issuing CA's certificate in DER, where certificates' AIA caIssuers point."""
    return _der(_authority(brand, CAKind.INTERMEDIATE))


@head_like_get()
def root_der(request: HttpRequest, brand: str) -> HttpResponse:
    """The root's certificate in DER, where the issuing CA's AIA caIssuers points."""
    return _der(_authority(brand, CAKind.ROOT))


@head_like_get()
def crl(request: HttpRequest, brand: str) -> HttpResponse:
    der = issuance.current_crl(_authority(brand, CAKind.INTERMEDIATE))
    return HttpResponse(der, content_type="application/pkix-crl")


@head_like_get()
def root_crl(request: HttpRequest, brand: str) -> HttpResponse:
    """The root's CRL of the CA certificates it signed (an ARL): where the issuing CA's CRL
    distribution point leads."""
    der = issuance.current_crl(_authority(brand, CAKind.ROOT))
    return HttpResponse(der, content_type="application/pkix-crl")


@csrf_exempt  # a protocol endpoint: no cookies, no session, nothing to forge
@head_like_get("POST")
def ocsp(request: HttpRequest, encoded: str = "") -> HttpResponse:
    """RFC 6960: POST with a DER body, or GET with the request base64-encoded in the path."""
    if request.method == "POST":
        if len(request.body) > 10_000:
            return HttpResponse(status=413)
        data = request.body
    else:
        try:
            data = base64.b64decode(encoded.replace(" ", "+"), validate=False)
        except (binascii.Error, ValueError):
            data = b""
    return HttpResponse(issuance.answer_ocsp(data), content_type="application/ocsp-response")

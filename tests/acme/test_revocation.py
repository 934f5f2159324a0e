"""Revocation through ACME (RFC 8555 §7.6): by the account that ordered, or by whoever holds
the certificate's key; at once in the CRL and OCSP; every refusal a problem document."""

import josepy as jose
import pytest
from acme import messages
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from certificates.choices import Status
from certificates.models import Record, Revocation
from certificates.services.issuance import answer_ocsp
from tests.support.acme_client import issued, new_key, post_jws, register

pytestmark = pytest.mark.django_db


def _ocsp_status(certificate):
    leaf = x509.load_pem_x509_certificate(certificate.certificate_pem.encode())
    issuer = x509.load_pem_x509_certificate(certificate.issuer.certificate_pem.encode())
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA256()).build()
    answer = ocsp.load_der_ocsp_response(
        answer_ocsp(request.public_bytes(serialization.Encoding.DER))
    )
    return answer.certificate_status


def test_revocation_by_the_account_is_at_once_in_the_crl_and_ocsp(alice, site, web):
    client = register(alice)
    order, certificate, _ = issued(client, site)
    leaf = x509.load_pem_x509_certificate(order.fullchain_pem.encode())
    client.acme.revoke(leaf, 4)
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKED
    assert certificate.revocation_reason_code == "superseded"
    assert _ocsp_status(certificate) == ocsp.OCSPCertStatus.REVOKED
    crl = x509.load_der_x509_crl(web.get(f"/ca/{certificate.brand}.crl").content)
    assert crl.get_revoked_certificate_by_serial_number(leaf.serial_number) is not None
    assert Revocation.objects.filter(serial_number=certificate.serial_number).exists()
    with pytest.raises(messages.Error) as again:
        client.acme.revoke(leaf, 0)
    assert again.value.code == "alreadyRevoked"
    last = Record.objects.filter(certificate=certificate).order_by("-pk").first()
    assert last.action == "approve_revocation" and "ACME account" in last.detail


def test_revocation_refusals(alice, bob, site, web):
    client = register(alice)
    order, certificate, key = issued(client, site)
    leaf = x509.load_pem_x509_certificate(order.fullchain_pem.encode())
    der = jose.b64encode(leaf.public_bytes(serialization.Encoding.DER)).decode()
    bad_reason = post_jws(
        web,
        "/acme/revoke-cert",
        {"certificate": der, "reason": 6},
        client.key,
        kid=client.account.uri,
    )
    assert bad_reason.problem == "badRevocationReason"
    stranger = register(bob)
    other = post_jws(
        web, "/acme/revoke-cert", {"certificate": der}, stranger.key, kid=stranger.account.uri
    )
    assert other.problem == "unauthorized"
    wrong_key = post_jws(web, "/acme/revoke-cert", {"certificate": der}, new_key())
    assert wrong_key.problem == "unauthorized"
    assert (
        post_jws(
            web, "/acme/revoke-cert", {"certificate": "AAAA"}, client.key, kid=client.account.uri
        ).problem
        == "malformed"
    )
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED
    by_key = post_jws(
        web, "/acme/revoke-cert", {"certificate": der, "reason": 1}, jose.JWKEC(key=key)
    )
    assert by_key.status_code == 200
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKED
    assert certificate.revocation_reason_code == "key_compromise"
    again = post_jws(
        web, "/acme/revoke-cert", {"certificate": der}, client.key, kid=client.account.uri
    )
    assert again.problem == "alreadyRevoked"

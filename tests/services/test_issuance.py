"""The built-in CA at work (certificates/services/issuance.py), at the service boundary: each
brand's CAs and OCSP responder made once (or rotated), CRLs signed with growing numbers that
list what was revoked until it expires, kept for a day, re-signed by the daily round, and
OCSP answers for what the CA issued, revoked or never knew."""

import datetime as dt

import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.utils import timezone

from certificates.ca import status
from certificates.models import CertificateAuthority
from certificates.services.issuance import (
    answer_ocsp,
    current_crl,
    init_ca,
    refresh_all,
    refresh_crl,
)
from tests.ca.helpers import issued


def revoke(certificate, owner, revoker, code="key_compromise"):
    certificate.run_transition("request_revocation", by=owner, reason="Laptop stolen.", code=code)
    certificate.run_transition("approve_revocation", by=revoker)


def issuing_ca(brand: str = "aurora") -> CertificateAuthority:
    return CertificateAuthority.objects.get(brand=brand, kind="intermediate", active=True)


def crl_number(crl: x509.CertificateRevocationList) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def listed_on_a_new_crl(certificate) -> bool:
    issuer = CertificateAuthority.objects.get(pk=certificate.issuer_id)
    crl = x509.load_der_x509_crl(refresh_crl(issuer))
    return (
        crl.get_revoked_certificate_by_serial_number(int(certificate.serial_number, 16)) is not None
    )


def ocsp_request(certificate, *, nonce: bytes | None = None) -> bytes:
    issuer = CertificateAuthority.objects.get(pk=certificate.issuer_id)
    builder = ocsp.OCSPRequestBuilder().add_certificate(
        x509.load_pem_x509_certificate(certificate.certificate_pem.encode()),
        x509.load_pem_x509_certificate(issuer.certificate_pem.encode()),
        hashes.SHA256(),
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def ocsp_request_for(authority: CertificateAuthority, serial: int) -> bytes:
    """A request about any serial of this CA, as a relying party names it by hashes."""
    issuer, _ = authority.loaded()
    return (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            status.name_hash(issuer), status.key_hash(issuer), serial, hashes.SHA1()
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )


# The CA's certificates


def test_init_ca_is_idempotent_and_rotates_on_request(db):
    before = set(CertificateAuthority.objects.values_list("pk", flat=True))
    assert init_ca() == []
    assert len(init_ca(rotate=True)) == 6
    active = set(CertificateAuthority.objects.filter(active=True).values_list("pk", flat=True))
    assert len(active) == 6 and not active & before


def test_each_issuing_ca_gets_a_delegated_ocsp_responder_it_signed(db):
    for authority in CertificateAuthority.objects.filter(kind="intermediate", active=True):
        issuer, _ = authority.loaded()
        responder = x509.load_pem_x509_certificate(authority.responder_pem.encode())
        responder.verify_directly_issued_by(issuer)
        usage = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING in usage
        assert responder.extensions.get_extension_for_class(x509.OCSPNoCheck)
        assert b"PRIVATE KEY" not in bytes(authority.responder_key)  # encrypted at rest
    assert not CertificateAuthority.objects.filter(kind="root").exclude(responder_pem="").exists()


# CRLs


def test_a_new_crl_lists_a_revoked_serial_with_a_higher_number(alice, revoker):
    authority = issuing_ca()
    first = x509.load_der_x509_crl(refresh_crl(authority))
    certificate = issued(alice)
    revoke(certificate, alice, revoker, code="superseded")
    crl = x509.load_der_x509_crl(refresh_crl(authority))
    assert crl_number(crl) > crl_number(first)
    entry = crl.get_revoked_certificate_by_serial_number(int(certificate.serial_number, 16))
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.superseded
    )
    issuer, _ = authority.loaded()
    assert crl.is_signature_valid(issuer.public_key())
    assert crl.next_update_utc - crl.last_update_utc == dt.timedelta(days=4)
    authority.refresh_from_db()
    assert authority.crl_number == crl_number(crl)
    assert bytes(authority.crl_der) == crl.public_bytes(serialization.Encoding.DER)


def test_a_revoked_serial_leaves_the_crl_only_after_its_expiry(alice, revoker):
    certificate = issued(alice)
    revoke(certificate, alice, revoker)
    with time_machine.travel(certificate.not_after - dt.timedelta(minutes=1)):
        assert listed_on_a_new_crl(certificate)
    with time_machine.travel(certificate.not_after + dt.timedelta(seconds=1)):
        assert not listed_on_a_new_crl(certificate)


def test_the_kept_crl_is_served_for_a_day_then_signed_anew(db):
    authority = issuing_ca()
    kept = refresh_crl(authority)
    authority.refresh_from_db()
    assert current_crl(authority) == kept
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, minutes=1)):
        fresh = current_crl(authority)
    assert fresh != kept
    assert crl_number(x509.load_der_x509_crl(fresh)) == crl_number(x509.load_der_x509_crl(kept)) + 1


def test_the_daily_round_signs_every_active_ca_and_renews_responders_in_time(db):
    before = dict(CertificateAuthority.objects.values_list("pk", "crl_number"))
    responders = dict(CertificateAuthority.objects.values_list("pk", "responder_pem"))
    assert refresh_all() == 6
    after = dict(CertificateAuthority.objects.values_list("pk", "crl_number"))
    assert all(after[pk] == number + 1 for pk, number in before.items())  # roots' included
    assert dict(CertificateAuthority.objects.values_list("pk", "responder_pem")) == responders
    with time_machine.travel(timezone.now() + dt.timedelta(days=61)):  # 29 days left
        refresh_all()
    for authority in CertificateAuthority.objects.filter(kind="intermediate"):
        assert authority.responder_pem != responders[authority.pk]
        renewed = x509.load_pem_x509_certificate(authority.responder_pem.encode())
        assert renewed.not_valid_after_utc - timezone.now() > dt.timedelta(days=140)


# OCSP


def test_ocsp_says_good_then_revoked_with_the_nonce_echoed(alice, revoker):
    certificate = issued(alice)
    answer = ocsp.load_der_ocsp_response(answer_ocsp(ocsp_request(certificate, nonce=b"n" * 16)))
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answer.serial_number == int(certificate.serial_number, 16)
    assert answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"n" * 16
    responder = x509.load_pem_x509_certificate(issuing_ca().responder_pem.encode())
    assert answer.certificates == [responder]  # signed by the delegated responder
    revoke(certificate, alice, revoker, code="key_compromise")
    answer = ocsp.load_der_ocsp_response(answer_ocsp(ocsp_request(certificate)))
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.key_compromise


def test_ocsp_says_unknown_for_a_serial_the_ca_never_issued(db):
    request = ocsp_request_for(issuing_ca(), 0x1234567890ABCDEF)
    answer = ocsp.load_der_ocsp_response(answer_ocsp(request))
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.UNKNOWN


def test_ocsp_refuses_what_it_cannot_read_or_does_not_answer_for(alice):
    certificate = issued(alice)
    too_long_nonce = answer_ocsp(ocsp_request(certificate, nonce=b"n" * 33))
    garbage = answer_ocsp(b"nonsense")
    root = CertificateAuthority.objects.get(brand="aurora", kind="root", active=True)
    not_ours = answer_ocsp(ocsp_request_for(root, 1))  # no responder for a root
    for der, outcome in [
        (too_long_nonce, ocsp.OCSPResponseStatus.MALFORMED_REQUEST),
        (garbage, ocsp.OCSPResponseStatus.MALFORMED_REQUEST),
        (not_ours, ocsp.OCSPResponseStatus.UNAUTHORIZED),
    ]:
        assert ocsp.load_der_ocsp_response(der).response_status == outcome

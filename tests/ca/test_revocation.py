"""Revocation (SPEC §6): the owner asks with an RFC 5280 reason, staff approve, and the
CRL and the OCSP responder say so — checked with openssl against the live server."""

import base64
import datetime as dt
import importlib

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.apps import apps

from certificates.choices import Status
from certificates.exceptions import TransitionRefused
from certificates.models import (
    Certificate,
    CertificateAuthority,
    Revocation,
)
from certificates.services.issuance import refresh_crl
from tests.ca.helpers import ca_files, issued, openssl


def revoke(certificate, owner, revoker, code="key_compromise"):
    certificate.run_transition("request_revocation", by=owner, reason="Laptop stolen.", code=code)
    certificate.run_transition("approve_revocation", by=revoker)


def test_owner_asks_with_a_reason_code(alice_client, alice):
    certificate = issued(alice)
    page = alice_client.get(f"/certificates/{certificate.pk}/revoke/")
    assert "The private key was compromised" in page.text
    alice_client.post(
        f"/certificates/{certificate.pk}/revoke/",
        {"reason": "Laptop stolen.", "code": "key_compromise"},
    )
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revocation_reason_code) == (
        Status.REVOKING,
        "key_compromise",
    )


def test_applicants_cannot_approve_revocations(alice, bob):
    certificate = issued(alice)
    certificate.run_transition("request_revocation", by=alice, reason="Done with it.")
    for user in (alice, bob):
        with pytest.raises(TransitionRefused, match="not allowed"):
            certificate.run_transition("approve_revocation", by=user)
    certificate.refresh_from_db()
    assert certificate.status == Status.REVOKING


@pytest.mark.django_db(transaction=True)
def test_openssl_ocsp_and_crl_report_the_revocation(
    live_server, alice, revoker, tmp_path, settings
):
    good = issued(alice)
    bad = issued(alice, primary_domain="old.example.com", domains=[])
    revoke(bad, alice, revoker)
    root, chain = ca_files(tmp_path)
    (tmp_path / "good.crt").write_text(good.certificate_pem)
    (tmp_path / "bad.crt").write_text(bad.certificate_pem)

    def ask(*target: str) -> str:
        return openssl(
            "ocsp",
            "-issuer",
            str(chain),
            *target,
            "-url",
            f"{live_server.url}/ocsp/",
            "-CAfile",
            str(root),
            "-verify_other",
            str(chain),
            "-nonce",
            "-resp_text",
        )

    answer = ask("-cert", str(tmp_path / "bad.crt"))
    assert "Response verify OK" in answer
    # The request's nonce comes back (RFC 8954), and a delegated responder signed it: its
    # certificate rides along, for OCSP signing only and never asked about itself.
    assert "WARNING" not in answer and "OCSP Nonce" in answer
    assert "OCSP Signing" in answer and "OCSP No Check" in answer
    assert f"{tmp_path / 'bad.crt'}: revoked" in answer
    assert "Reason: keyCompromise" in answer
    assert f"{tmp_path / 'good.crt'}: good" in ask("-cert", str(tmp_path / "good.crt"))
    assert "0x1234ABCD: unknown" in ask("-serial", "0x1234ABCD")

    crl = tmp_path / "aurora.crl"
    crl.write_bytes(fetch(f"{live_server.url}/ca/aurora.crl"))
    listed = openssl(
        "crl",
        "-inform",
        "DER",
        "-in",
        str(crl),
        "-CAfile",
        str(chain),
        "-verify",
        "-noout",
        "-text",
    )
    assert "verify OK" in listed
    assert f"Serial Number: {as_openssl_prints(bad.serial_number)}" in listed
    assert "Key Compromise" in listed
    assert as_openssl_prints(good.serial_number) not in listed


def as_openssl_prints(serial: str) -> str:
    """Upper-case hex with an even number of digits."""
    return serial.upper().zfill(len(serial) + len(serial) % 2)


def fetch(url: str) -> bytes:
    from urllib.request import urlopen

    with urlopen(url, timeout=10) as response:  # noqa: S310 - the live server on 127.0.0.1
        return response.read()


def test_ocsp_over_get_and_bad_requests(client, alice, revoker):
    certificate = issued(alice)
    issuer = CertificateAuthority.objects.get(brand="aurora", kind="intermediate", active=True)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(
            x509.load_pem_x509_certificate(certificate.certificate_pem.encode()),
            x509.load_pem_x509_certificate(issuer.certificate_pem.encode()),
            hashes.SHA1(),
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    encoded = base64.b64encode(request).decode()
    response = ocsp.load_der_ocsp_response(client.get(f"/ocsp/{encoded}").content)
    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD

    revoke(certificate, alice, revoker, code="superseded")
    response = ocsp.load_der_ocsp_response(
        client.post("/ocsp/", request, content_type="application/ocsp-request").content
    )
    assert response.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert response.revocation_reason == x509.ReasonFlags.superseded

    garbage = ocsp.load_der_ocsp_response(
        client.post("/ocsp/", b"nonsense", content_type="application/ocsp-request").content
    )
    assert garbage.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    assert (
        client.post("/ocsp/", b"x" * 20_000, content_type="application/ocsp-request").status_code
        == 413
    )


def test_crl_numbers_grow_and_revoked_serials_appear(client, alice, revoker):
    first = x509.load_der_x509_crl(client.get("/ca/aurora.crl").content)
    certificate = issued(alice)
    revoke(certificate, alice, revoker)
    second = x509.load_der_x509_crl(client.get("/ca/aurora.crl").content)
    number = lambda crl: crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number  # noqa: E731
    assert number(second) > number(first)
    assert second.get_revoked_certificate_by_serial_number(int(certificate.serial_number, 16))
    assert second.next_update_utc > second.last_update_utc


def test_unspecified_reason_is_left_out(client, alice, revoker):
    certificate = issued(alice)
    revoke(certificate, alice, revoker, code="unspecified")
    crl = x509.load_der_x509_crl(client.get("/ca/aurora.crl").content)
    entry = crl.get_revoked_certificate_by_serial_number(int(certificate.serial_number, 16))
    assert not any(isinstance(e.value, x509.CRLReason) for e in entry.extensions)


def ocsp_status(client, certificate) -> ocsp.OCSPResponse:
    issuer = CertificateAuthority.objects.get(pk=certificate.issuer_id)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(
            x509.load_pem_x509_certificate(certificate.certificate_pem.encode()),
            x509.load_pem_x509_certificate(issuer.certificate_pem.encode()),
            hashes.SHA256(),
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    answer = client.post("/ocsp/", request, content_type="application/ocsp-request")
    return ocsp.load_der_ocsp_response(answer.content)


def listed_on_a_new_crl(certificate) -> bool:
    issuer = CertificateAuthority.objects.get(pk=certificate.issuer_id)
    crl = x509.load_der_x509_crl(refresh_crl(issuer))
    return (
        crl.get_revoked_certificate_by_serial_number(int(certificate.serial_number, 16)) is not None
    )


def test_a_revoked_certificate_deleted_from_the_list_stays_revoked(
    client, alice_client, alice, revoker
):
    certificate = issued(alice)
    revoke(certificate, alice, revoker, code="key_compromise")
    response = alice_client.post(f"/certificates/{certificate.pk}/delete/")
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Status.DELETED
    answer = ocsp_status(client, certificate)
    assert answer.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert answer.revocation_reason == x509.ReasonFlags.key_compromise
    assert listed_on_a_new_crl(certificate)


def test_a_revocation_outlives_the_certificates_row(client, alice, revoker):
    """A demo reset deletes rows; what the CA published as revoked stays revoked."""
    certificate = issued(alice)
    revoke(certificate, alice, revoker)
    Certificate.objects.filter(pk=certificate.pk).update(status=Status.DELETED)
    Certificate.objects.filter(pk=certificate.pk).delete()
    assert ocsp_status(client, certificate).certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert listed_on_a_new_crl(certificate)
    revocation = Revocation.objects.get(serial_number=certificate.serial_number)
    assert revocation.certificate is None
    with pytest.raises(ValueError, match="never removed"):
        revocation.delete()
    with pytest.raises(ValueError, match="never changed"):
        revocation.save()


def test_existing_revocations_are_published_by_the_migration(alice, revoker):
    kept = issued(alice)
    revoke(kept, alice, revoker, code="superseded")
    deleted = issued(alice, primary_domain="old.example.com", domains=[])
    revoke(deleted, alice, revoker)
    deleted.run_transition("discard", by=alice)
    Revocation.objects.all()._raw_delete(Revocation.objects.db)  # as before the migration
    publish_existing = importlib.import_module(
        "certificates.migrations.0013_revocation"
    ).publish_existing
    publish_existing(apps, None)
    published = dict(Revocation.objects.values_list("serial_number", "reason_code"))
    assert published == {kept.serial_number: "superseded", deleted.serial_number: "key_compromise"}


def test_the_worker_signs_a_fresh_crl_each_day_without_revocations(client, alice):
    """A day on, with nothing revoked, the daily job has re-signed every CA's CRL: the one
    relying parties fetch is at most a day old and days from its nextUpdate."""
    from django.utils import timezone

    from certificates import tasks

    issuing = CertificateAuthority.objects.get(brand="aurora", kind="intermediate")
    first = x509.load_der_x509_crl(client.get("/ca/aurora.crl").content)
    later = timezone.now() + dt.timedelta(days=1, hours=1)
    with time_machine.travel(later, tick=False):
        assert "6 CRLs signed" in tasks.daily_maintenance.call()
        issuing.refresh_from_db()
        assert issuing.crl_updated_at == later
        crl = x509.load_der_x509_crl(client.get("/ca/aurora.crl").content)
        root_crl = x509.load_der_x509_crl(client.get("/ca/aurora/root.crl").content)
    number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    first_number = first.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    assert number > first_number
    assert crl.last_update_utc == later.replace(microsecond=0)
    assert crl.next_update_utc - later >= dt.timedelta(days=3)
    assert root_crl.last_update_utc == later.replace(microsecond=0)

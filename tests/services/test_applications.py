"""Applying (certificates/services/applications.py), at the service boundary: a draft is
saved and recorded, a submission generates the key and CSR for exactly the domains applied
for, the key is kept encrypted, and a submitted application is not changed."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID

from certificates.ca import keystore
from certificates.choices import CertificateType, CsrSource, KeyAlgorithm, Status
from certificates.exceptions import NotEditable, TransitionRefused
from certificates.models import Certificate, Record
from certificates.models.rules import is_editable
from certificates.services.applications import (
    NOT_EDITABLE,
    Application,
    private_key_pem,
    save_application,
)
from tests.factories import CertificateFactory, make_csr

CONTACTS = {"applicant_name": "Ada Applicant", "applicant_email": "ada@example.com"}


def draft(owner, **kwargs) -> Certificate:
    """A bought certificate waiting for its application: no domains, no CSR yet."""
    return CertificateFactory(owner=owner, primary_domain="", csr_source=CsrSource.SYSTEM, **kwargs)


def csr_names(pem: str) -> list[str]:
    csr = x509.load_pem_x509_csr(pem.encode())
    names = csr.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    return names.get_values_for_type(x509.DNSName)


def test_a_draft_keeps_what_was_entered_and_says_so_in_the_records(alice):
    certificate = draft(alice, domain_type="multiple", additional_domain_slots=1)
    application = Application(
        primary_domain="shop.example.com",
        additional_domains=["api.example.com"],
        key_algorithm=KeyAlgorithm.EC_P256,
        contacts=CONTACTS,
    )
    save_application(certificate, application, submit=False, by=alice)
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_APPLICATION
    assert certificate.domain_names == ["shop.example.com", "api.example.com"]
    assert (certificate.key_algorithm, certificate.applicant_email) == (
        KeyAlgorithm.EC_P256,
        "ada@example.com",
    )
    assert (certificate.csr_pem, certificate.private_key) == ("", None)  # made at submission
    record = Record.objects.get(certificate=certificate, action="apply_saved")
    assert record.actor == alice
    assert record.detail == "Draft saved: shop.example.com, api.example.com"


def test_submitting_generates_a_key_and_csr_for_exactly_the_domains(alice):
    certificate = draft(alice, domain_type="multiple", additional_domain_slots=1)
    application = Application(
        primary_domain="shop.example.com",
        additional_domains=["api.example.com"],
        key_algorithm=KeyAlgorithm.EC_P256,
        contacts=CONTACTS,
    )
    save_application(certificate, application, submit=True, by=alice)
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    assert sorted(csr_names(certificate.csr_pem)) == ["api.example.com", "shop.example.com"]
    assert b"PRIVATE KEY" not in bytes(certificate.private_key)  # encrypted at rest
    pem = private_key_pem(certificate)
    assert pem == keystore.decrypt(certificate.private_key) and b"PRIVATE KEY" in pem
    key = x509.load_pem_x509_csr(certificate.csr_pem.encode()).public_key()
    held = serialization.load_pem_private_key(pem, None).public_key()
    assert held.public_numbers() == key.public_numbers()  # the CSR is of the key kept
    assert not Record.objects.filter(certificate=certificate, action="apply_saved").exists()


def test_changing_the_domains_drops_a_generated_csr_and_its_key(alice):
    certificate = draft(alice)
    first = Application(primary_domain="shop.example.com", contacts=CONTACTS)
    save_application(certificate, first, submit=True, by=alice)
    certificate.run_transition("withdraw", by=alice)
    certificate.run_transition("complete_withdrawal", by=None)
    certificate.refresh_from_db()
    assert is_editable(certificate) and certificate.private_key
    second = Application(primary_domain="store.example.com", contacts=CONTACTS)
    save_application(certificate, second, submit=False, by=alice)
    certificate.refresh_from_db()
    assert certificate.domain_names == ["store.example.com"]
    assert (certificate.csr_pem, certificate.private_key) == ("", None)


def test_an_own_csr_is_kept_as_given_and_no_key_is_held(alice):
    certificate = draft(alice, private_key=keystore.encrypt(b"an old generated key"))
    csr = make_csr(["shop.example.com"])
    application = Application(
        primary_domain="shop.example.com", csr_source=CsrSource.OWN, csr_pem=csr, contacts=CONTACTS
    )
    save_application(certificate, application, submit=True, by=alice)
    certificate.refresh_from_db()
    assert (certificate.csr_source, certificate.csr_pem) == (CsrSource.OWN, csr)
    assert certificate.private_key is None
    assert private_key_pem(certificate) is None


def test_a_submitted_application_is_not_editable(alice):
    certificate = CertificateFactory(owner=alice, domain=True, primary_domain="shop.example.com")
    application = Application(primary_domain="other.example.com", contacts=CONTACTS)
    with pytest.raises(NotEditable, match=str(NOT_EDITABLE)):
        save_application(certificate, application, submit=False, by=alice)
    certificate.refresh_from_db()
    assert certificate.domain_names == ["shop.example.com"]
    assert not Record.objects.filter(certificate=certificate, action="apply_saved").exists()


def test_an_application_submitted_meanwhile_in_another_tab_is_not_changed(alice):
    certificate = draft(alice)
    Certificate.objects.filter(pk=certificate.pk).update(status=Status.PENDING_DOMAIN_VERIFICATION)
    application = Application(primary_domain="shop.example.com", contacts=CONTACTS)
    with pytest.raises(NotEditable, match="submitted meanwhile"):
        save_application(certificate, application, submit=False, by=alice)  # a stale copy
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION  # read again
    assert Certificate.objects.get(pk=certificate.pk).domain_names == []


def test_a_refused_submit_keeps_the_saved_draft(alice):
    certificate = draft(alice, certificate_type=CertificateType.OV, organization=None)
    application = Application(primary_domain="shop.example.com", contacts=CONTACTS)
    with pytest.raises(TransitionRefused, match="the organization"):
        save_application(certificate, application, submit=True, by=alice)
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_APPLICATION
    assert certificate.domain_names == ["shop.example.com"]
    assert certificate.applicant_email == "ada@example.com"

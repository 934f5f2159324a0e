"""The console's application form as a browser posts it (/certificates/<id>/apply/): a
just-bought certificate, the form's fields for a draft or a submission, and an organization
and contacts typed in. The application tests of tests/views/, tests/forms/ and
tests/hostile/ share it."""

from tests.factories import CertificateFactory

ORGANIZATION = {
    "org-legal_name": "Contoso Ltd",
    "org-country": "GB",
    "org-state": "Greater London",
    "org-city": "London",
    "org-address": "1 Example Road",
    "org-registration_number": "01234567",
    "org-phone": "020 7946 0000",  # national format: needs the country's code
}
CONTACTS = {
    "applicant_name": "Ada Lovelace",
    "applicant_email": "ada@example.com",
    "applicant_phone": "+44 20 7946 0001",
    "technical_name": "Web team",
    "technical_email": "web@example.com",
    "technical_phone": "+1 202 555 0123",
}


def url(certificate) -> str:
    return f"/certificates/{certificate.pk}/apply/"


def fresh(owner, **kwargs):
    """A just-bought certificate: no domains, no CSR, nothing entered."""
    return CertificateFactory(owner=owner, primary_domain="", organization=None, **kwargs)


def form(*, submit: bool = True, **fields) -> dict:
    data = {"csr_source": "system", "key_algorithm": "ec_p256", **fields}
    data["submit" if submit else "save"] = "1"
    return data

"""Applying (SPEC §4): saving an application as a draft or submitting it, the key and CSR
the console generates, and the team's copy of that key."""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables
from django_fsm import ConcurrentTransition

from certificates.ca import csr as x509
from certificates.ca import keystore
from certificates.choices import CsrSource, KeyAlgorithm
from certificates.exceptions import NotEditable
from certificates.models import Certificate, Organization, Record
from certificates.models.rules import is_editable

CONTACT_FIELDS = [
    "applicant_name",
    "applicant_email",
    "applicant_phone",
    "technical_name",
    "technical_email",
    "technical_phone",
]
NOT_EDITABLE = gettext_lazy("This application was submitted: withdraw it to change it.")


@dataclass
class Application:
    """What the applicant entered, already normalised and checked by ApplicationForm."""

    primary_domain: str = ""
    additional_domains: list[str] = field(default_factory=list)
    csr_source: CsrSource = CsrSource.SYSTEM
    key_algorithm: KeyAlgorithm = KeyAlgorithm.RSA_2048
    csr_pem: str = ""
    organization: Organization | None = None
    contacts: dict[str, str] = field(default_factory=dict)


def save_application(
    certificate: Certificate, application: Application, *, submit: bool, by: Any
) -> None:
    """Save the application as a draft; with submit, also send it to the CA, as the member
    `by` (a FullAccess member or an Administrator of the certificate's team).

    Raises NotEditable once submitted; a refused submit leaves the saved draft in place and
    raises TransitionRefused.
    """
    if not is_editable(certificate):
        raise NotEditable(NOT_EDITABLE)
    fields = {
        "csr_source": application.csr_source,
        "key_algorithm": application.key_algorithm,
        "organization": application.organization,
        **application.contacts,
    }
    domains_changed = _domains_changed(certificate, application)
    if application.csr_source == CsrSource.OWN:
        fields.update(csr_pem=application.csr_pem, private_key=None)
    elif domains_changed or application.key_algorithm != certificate.key_algorithm:
        # A generated CSR must name exactly the domains applied for: make a new one when
        # they change, and only at submission, when they are final.
        fields.update(csr_pem="", private_key=None)
    for name, value in fields.items():
        setattr(certificate, name, value)
    if submit and certificate.csr_source == CsrSource.SYSTEM and not certificate.csr_pem:
        domains = [application.primary_domain, *application.additional_domains]
        _generate_key_and_csr(certificate, domains)
    try:
        with transaction.atomic():
            certificate.save(update_fields=[*fields, "csr_pem", "private_key", "updated_at"])
            if application.primary_domain and domains_changed:
                certificate.set_domains(application.primary_domain, application.additional_domains)
            if not submit:
                names = ", ".join(certificate.domain_names) or "no domains yet"
                Record.note(
                    certificate,
                    "apply_saved",
                    actor=by,
                    detail=f"Draft saved: {names}",
                )
    except ConcurrentTransition:
        certificate.refresh_from_db()
        raise NotEditable(
            _("This application was submitted meanwhile (another tab?); nothing was changed.")
        ) from None
    if submit:
        certificate.run_transition("submit", by=by)


def _domains_changed(certificate: Certificate, application: Application) -> bool:
    wanted = [application.primary_domain, *application.additional_domains]
    return certificate.domain_names != wanted


@sensitive_variables("key")
def _generate_key_and_csr(certificate: Certificate, domains: list[str]) -> None:
    key = x509.generate_private_key(certificate.key_algorithm)
    certificate.csr_pem = x509.csr_pem(x509.build_csr(key, domains))
    certificate.private_key = keystore.encrypt(x509.private_key_pem(key))


def private_key_pem(certificate: Certificate) -> bytes | None:
    """The system-generated private key in PEM, or None for an own CSR. Only for a member
    whose role may download it (views and the API ask permissions first)."""
    if not certificate.private_key:
        return None
    return keystore.decrypt(certificate.private_key)

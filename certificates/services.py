"""Workflows that span models: buying certificates and saving or submitting applications."""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from django_fsm import ConcurrentTransition

from certificates import keystore, x509
from certificates.choices import CertificateType, CsrSource, DomainType, KeyAlgorithm, Status
from certificates.models import Certificate, Organization, SearchKey, TransitionRefused

CONTACT_FIELDS = [
    "applicant_name",
    "applicant_email",
    "applicant_phone",
    "technical_name",
    "technical_email",
    "technical_phone",
]


class QuotaExceeded(Exception):
    """No test certificates left on this account."""


@dataclass(frozen=True)
class Purchase:
    certificate_type: CertificateType
    brand: str
    domain_type: DomainType
    key_algorithm: KeyAlgorithm
    additional_domain_slots: int = 0
    quantity: int = 1


def buy(owner, purchase: Purchase) -> list[Certificate]:
    """Create the bought certificates, each waiting for its application."""
    certificates = [
        Certificate(
            owner=owner,
            certificate_type=purchase.certificate_type,
            brand=purchase.brand,
            domain_type=purchase.domain_type,
            key_algorithm=purchase.key_algorithm,
            additional_domain_slots=purchase.additional_domain_slots,
        )
        for _ in range(purchase.quantity)
    ]
    with transaction.atomic():
        certificates = Certificate.objects.bulk_create(certificates)
        SearchKey.rewrite(certificates, domains={}, fresh=True)
    return certificates


def test_certificates_left(owner) -> int:
    """Free test certificates this account may still take; deleted or revoked ones count."""
    used = Certificate.objects.filter(owner=owner, is_test=True).count()
    return max(settings.SCM_TEST_CERTIFICATE_QUOTA - used, 0)


def _take_test_certificate(owner) -> None:
    """Refuse unless the account has a test certificate left; call inside the transaction
    that creates it. Buying and renewing both take one."""
    # Lock the account row so two tabs cannot both take the last one.
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
    if test_certificates_left(owner) < 1:
        raise QuotaExceeded(
            f"You have used all {settings.SCM_TEST_CERTIFICATE_QUOTA} free test "
            "certificates of this account (deleted, revoked and renewed ones count too)."
        )


def buy_test_certificate(owner, brand: str) -> Certificate:
    """One free DV single-domain 3-month certificate, within the account's quota."""
    with transaction.atomic():
        _take_test_certificate(owner)
        return Certificate.objects.create(
            owner=owner,
            certificate_type=CertificateType.DV,
            domain_type=DomainType.SINGLE,
            brand=brand,
            is_test=True,
        )


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


def save_application(certificate: Certificate, application: Application, *, submit: bool) -> None:
    """Save the application as a draft; with submit, also send it to the CA.

    A refused submit leaves the saved draft in place and raises TransitionRefused.
    """
    if certificate.status != Status.PENDING_APPLICATION:
        raise TransitionRefused(
            "This application was already submitted: withdraw it first to change it."
        )
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
    except ConcurrentTransition:
        certificate.refresh_from_db()
        raise TransitionRefused(
            "This application was submitted meanwhile (another tab?); nothing was changed."
        ) from None
    if submit:
        certificate.run_transition("submit", by=certificate.owner)


def _domains_changed(certificate: Certificate, application: Application) -> bool:
    wanted = [application.primary_domain, *application.additional_domains]
    return certificate.domain_names != wanted


@sensitive_variables("key")
def _generate_key_and_csr(certificate: Certificate, domains: list[str]) -> None:
    key = x509.generate_private_key(certificate.key_algorithm)
    certificate.csr_pem = x509.csr_pem(x509.build_csr(key, domains))
    certificate.private_key = keystore.encrypt(x509.private_key_pem(key))


def private_key_pem(certificate: Certificate) -> bytes | None:
    """The owner's system-generated private key in PEM, or None for an own CSR."""
    if not certificate.private_key:
        return None
    return keystore.decrypt(certificate.private_key)


def renew(certificate: Certificate) -> Certificate:
    """A new application for the same domains, organization and key choice (SPEC §6); a
    test certificate's renewal is a new test certificate, within the account's quota."""
    if certificate.status not in (Status.ISSUED, Status.EXPIRED):
        raise TransitionRefused("Only issued or expired certificates can be renewed.")
    fields = [
        "certificate_type",
        "domain_type",
        "brand",
        "key_algorithm",
        "is_test",
        "additional_domain_slots",
        "organization",
        *CONTACT_FIELDS,
    ]
    with transaction.atomic():
        if certificate.is_test:
            _take_test_certificate(certificate.owner)
        renewal = Certificate.objects.create(
            owner=certificate.owner,
            name=certificate.name,  # the same certificate to its owner, renewed
            renewal_of=certificate,
            csr_source=CsrSource.SYSTEM,
            **{name: getattr(certificate, name) for name in fields},
        )
        names = certificate.domain_names
        renewal.set_domains(names[0], names[1:])
    return renewal


def expire_and_warn() -> tuple[int, int]:
    """Expire certificates past not_after; email owners 30 and 7 days before (once each)."""
    now = timezone.now()
    expired = 0
    for certificate in Certificate.objects.filter(status=Status.ISSUED, not_after__lte=now):
        try:
            certificate.run_transition("expire", by=None)
            expired += 1
        except TransitionRefused:
            pass  # renewed, revoked or expired by another worker meanwhile
    warned = 0
    for days in (7, 30):
        due = Certificate.objects.expiring(dt.timedelta(days=days)).filter(
            Q(expiry_notice_days__isnull=True) | Q(expiry_notice_days__gt=days)
        )
        for certificate in due.select_related("owner"):
            # Claim the notice first, so two workers never send it twice.
            if (
                not Certificate.objects.filter(pk=certificate.pk)
                .filter(Q(expiry_notice_days__isnull=True) | Q(expiry_notice_days__gt=days))
                .update(expiry_notice_days=days)
            ):
                continue
            _send_expiry_notice(certificate, days)
            warned += 1
    return expired, warned


def _send_expiry_notice(certificate: Certificate, days: int) -> None:
    if not certificate.owner.email:
        return
    left = certificate.days_left()
    send_mail(
        subject=f"{certificate.name} expires in {left} days",
        message=(
            f"Your certificate {certificate.name} for {certificate.primary_domain_unicode} "
            f"expires on {certificate.not_after:%Y-%m-%d}, in {left} days.\n\n"
            f"Renew it from {settings.SCM_PUBLIC_URL}"
            f"{reverse('certificates:detail', args=[certificate.pk])}\n"
        ),
        from_email=None,
        recipient_list=[certificate.owner.email],
    )

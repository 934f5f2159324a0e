"""What follows a state change: queued in the transaction that made it (state_entered)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.dispatch import receiver
from django.utils import timezone

from certificates import tasks
from certificates.choices import DomainStatus, Status
from certificates.dcv import workflow as dcv
from certificates.models import Certificate, state_entered
from certificates.services import issuance


@receiver(state_entered, sender=Certificate)
def follow_up(certificate: Certificate, source: str, name: str, by: Any, **kwargs: Any) -> None:
    match certificate.status:
        case Status.PENDING_DOMAIN_VERIFICATION:
            for domain in dcv.restart(certificate):
                if domain.next_check_at:  # an ACME order's wait for their client to ask
                    tasks.check_domain.using(run_after=domain.next_check_at).enqueue(
                        domain.pk, domain.token
                    )
        case Status.PENDING_ORG_VERIFICATION | Status.TO_BE_ISSUED if name == "verify_domains":
            _mark_domains_verified(certificate, by)
            _after_domains(certificate)
        case Status.TO_BE_ISSUED:
            maybe_issue(certificate)
        case Status.WITHDRAWING if settings.SCM_SIMULATED_CA:
            _simulate_later(certificate)
        case Status.REVOKED if certificate.issuer_id:
            # A fresh CRL right away; OCSP reads the database and needs nothing.
            issuance.refresh_crl(certificate.issuer)


def _mark_domains_verified(certificate: Certificate, by: Any) -> None:
    """A staff override also settles the domains still pending."""
    if by is None:
        return
    now = timezone.now()
    certificate.domains.filter(status=DomainStatus.PENDING).update(
        status=DomainStatus.VERIFIED,
        verified_at=now,
        last_checked_at=now,
        last_result="Marked verified by the CA.",
        next_check_at=None,
    )


def _after_domains(certificate: Certificate) -> None:
    if certificate.status == Status.TO_BE_ISSUED:
        maybe_issue(certificate)
        return
    organization = certificate.organization
    reuse_since = timezone.now() - dt.timedelta(days=settings.SCM_ORG_VERIFICATION_REUSE_DAYS)
    if organization and organization.verified_at and organization.verified_at >= reuse_since:
        certificate.org_registry_checked = True
        certificate.org_phone_checked = True
        certificate.org_address_checked = True
        certificate.run_transition(
            "verify_organization",
            by=None,
            reason=f"{organization.legal_name} was verified on "
            f"{organization.verified_at:%Y-%m-%d}; the verification is reused (13 months).",
        )
    elif settings.SCM_SIMULATED_CA:
        _simulate_later(certificate)


def maybe_issue(certificate: Certificate) -> None:
    """DV without manual review is issued automatically (SPEC §3)."""
    if (
        settings.SCM_AUTO_ISSUE_DV
        and not certificate.product.needs_org_verification
        and not certificate.manual_review
        and certificate.csr_pem  # an ACME order waits for its client to finalize
    ):
        tasks.issue.enqueue(certificate.pk)


def _simulate_later(certificate: Certificate) -> None:
    delay = dt.timedelta(seconds=settings.SCM_SIMULATED_CA_DELAY_SECONDS)
    tasks.simulated_ca.using(run_after=timezone.now() + delay).enqueue(certificate.pk)

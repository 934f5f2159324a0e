"""What follows each state change, in one table (FOLLOW_UPS) keyed by the step's name:
run_transition() (models/lifecycle.py) checks the rule, changes the state, writes the
certificate's Record and hands the certificate to the follow-up named for the transition,
in the same transaction; a service's step that changes no state (an ACME client asking for
its challenge) hands it over the same way (Lifecycle.run_follow_up). A follow-up's tasks
are rows of that transaction (the database task backend): the worker sees them once it
commits, and never for a change that was rolled back. Nothing here asks which class the
certificate is: a decision taken in a queue (a proxy) is followed up alike. The
`state_entered` signal is for the demo only (demo/simulated_ca.py), never for the core."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from certificates import tasks
from certificates.choices import DomainStatus, Status
from certificates.models import Certificate, Domain
from certificates.models.rules import issues_by_itself
from certificates.services import domain_checks, issuance


def start_domain_checks(certificate: Certificate, by: Any) -> None:
    """Fresh tokens for every domain, and the worker's first check of each."""
    for domain in domain_checks.restart(certificate):
        if domain.next_check_at:  # an ACME order's wait for their client to ask
            tasks.check_domain.using(run_after=domain.next_check_at).enqueue(
                domain.pk, domain.token
            )


def after_domains(certificate: Certificate, by: Any) -> None:
    """Issue a DV; for OV and EV, reuse an organization verified within 13 months."""
    _mark_domains_verified(certificate, by)
    if certificate.status == Status.TO_BE_ISSUED:
        issue_if_automatic(certificate, by)
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


def issue_if_automatic(certificate: Certificate, by: Any) -> None:
    """DV without manual review is issued by the worker (SPEC §3)."""
    maybe_issue(certificate)


def check_asked_challenges(certificate: Certificate, by: Any) -> None:
    """The worker's first check of each ACME challenge its client asked for; once per
    domain, however often the client asks."""
    asked = certificate.domains.filter(
        status=DomainStatus.PENDING, checks=0, next_check_at__isnull=False
    ).exclude(recheck_queued_for=F("next_check_at"))
    for domain in asked:
        # Whoever moves the marker to this ask's time queues its check (tasks.check_domain).
        marked = (
            Domain.objects.filter(pk=domain.pk)
            .exclude(recheck_queued_for=F("next_check_at"))
            .update(recheck_queued_for=F("next_check_at"))
        )
        if marked:
            tasks.check_domain.enqueue(domain.pk, domain.token)


def publish_revocation(certificate: Certificate, by: Any) -> None:
    """A fresh CRL with the serial, signed in the revocation's transaction: served as soon as
    it commits (OCSP reads the Revocation row and needs nothing)."""
    if certificate.issuer_id:
        issuance.refresh_crl(certificate.issuer)


def nothing(certificate: Certificate, by: Any) -> None:
    """The transition is the whole change."""


FOLLOW_UPS: dict[str, Callable[[Certificate, Any], None]] = {
    "submit": start_domain_checks,
    "verify_domains": after_domains,
    "verify_organization": issue_if_automatic,
    "issue": nothing,
    "reject": nothing,
    "withdraw": nothing,  # the CA stops; the demo's simulated CA listens (demo/simulated_ca.py)
    "complete_withdrawal": nothing,
    "edit": nothing,
    "request_revocation": nothing,  # the Revocation group decides in its queue
    "approve_revocation": publish_revocation,
    "deny_revocation": nothing,
    "expire": nothing,
    "discard": nothing,
    "acme_finalize": issue_if_automatic,  # the worker signs it (automatic DV issuance)
    # Not a transition: the ACME client asked for its challenge (services/acme.py).
    "acme_challenge": check_asked_challenges,
}


def follow_up(certificate: Certificate, name: str, by: Any) -> None:
    """Run the follow-up of the transition `name` that was just applied to `certificate`."""
    FOLLOW_UPS[name](certificate, by)


def _mark_domains_verified(certificate: Certificate, by: Any) -> None:
    """Domains verified means each of them: a staff override (or the demo's seed, which
    skips the checks) also settles the domains still pending."""
    now = timezone.now()
    certificate.domains.filter(status=DomainStatus.PENDING).update(
        status=DomainStatus.VERIFIED,
        verified_at=now,
        last_checked_at=now,
        last_result="Marked verified by the CA.",
        next_check_at=None,
    )


def maybe_issue(certificate: Certificate) -> None:
    """DV without manual review is issued automatically (SPEC §3; the rule is
    rules.issues_by_itself); an ACME order waits for its client to send the CSR."""
    if issues_by_itself(certificate) and certificate.csr_pem:
        tasks.issue.enqueue(certificate.pk)

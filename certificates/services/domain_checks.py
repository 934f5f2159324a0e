"""Domain control validation as a workflow: check, re-check with backoff, give up at the
deadline, and move the application on when every domain passes (SPEC §5). The probes it
runs are certificates/dcv/'s; what it records is the domain's and the certificate's."""

import contextlib
import datetime as dt
import enum
import logging

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from certificates.choices import CsrSource, DomainStatus, Method, Status
from certificates.dcv.http import check_file, check_http01
from certificates.dcv.lookup import CheckResult
from certificates.dcv.txt import check_txt, dns01_value
from certificates.exceptions import TransitionRefused
from certificates.models import Certificate, Domain, Record, new_token

logger = logging.getLogger(__name__)


class Outcome(enum.Enum):
    CHECKED = "checked"
    NOT_DUE = "not due yet"
    BUSY = "another checker has it"
    RECENT = "checked moments ago"
    CLOSED = "nothing to check"


def delay_after(checks: int, *, acme: bool = False) -> dt.timedelta:
    """Backoff: the first re-check after a minute, then doubling, capped (settings); an
    ACME client waits for its challenge, so it is re-checked after seconds."""
    first = settings.SCM_ACME_RETRY_SECONDS if acme else settings.SCM_RECHECK_FIRST_SECONDS
    seconds = first * 2 ** min(checks, 20)
    return dt.timedelta(seconds=min(seconds, settings.SCM_RECHECK_MAX_SECONDS))


def deadline(certificate: Certificate) -> dt.datetime:
    start = certificate.submitted_at or certificate.created_at
    return start + dt.timedelta(days=settings.SCM_VERIFICATION_DEADLINE_DAYS)


def restart(certificate: Certificate) -> list[Domain]:
    """Fresh tokens and results for every domain: verification starts from scratch. An ACME
    order's domains wait, unchecked, until the client asks for its challenge."""
    now = timezone.now()
    acme = certificate.csr_source == CsrSource.ACME
    domains = list(certificate.domains.all())
    for domain in domains:
        domain.token = new_token()
        domain.status = DomainStatus.PENDING
        domain.checks = 0
        domain.last_checked_at = domain.verified_at = domain.checking_until = None
        domain.last_result = domain.last_problem = ""
        domain.next_check_at = None if acme else now + delay_after(0)
        domain.email_nonce = ""
        domain.email_sent_at = None
        if domain.method not in domain.allowed_methods():
            domain.method = domain.allowed_methods()[0]
    Domain.objects.bulk_update(
        domains,
        [
            "token",
            "status",
            "checks",
            "last_checked_at",
            "verified_at",
            "checking_until",
            "last_result",
            "last_problem",
            "next_check_at",
            "email_nonce",
            "email_sent_at",
            "method",
        ],
    )
    return domains


def check_domain(
    domain_pk: int, *, force: bool = False, unless_checked_within: dt.timedelta | None = None
) -> Outcome:
    """Check one pending domain now if it is due (or forced) and nobody else is on it; a
    forced check can ask to skip a domain checked within the last moments ("Verify now"
    pressed in several tabs): that test is part of the claim, so it holds under races."""
    now = timezone.now()
    verifying = Certificate.objects.filter(
        domains=domain_pk, status=Status.PENDING_DOMAIN_VERIFICATION
    )
    if not verifying.exists():
        return Outcome.CLOSED
    # An ACME order's domain is checked only once its client asked for the challenge.
    pending = Domain.objects.filter(pk=domain_pk, status=DomainStatus.PENDING).exclude(
        method__in=[Method.ACME_HTTP, Method.ACME_DNS], checks=0, next_check_at__isnull=True
    )
    free = Q(checking_until__isnull=True) | Q(checking_until__lt=now)
    due = Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)
    claim = pending.filter(free) if force else pending.filter(free, due)
    if unless_checked_within is not None:
        since = now - unless_checked_within
        claim = claim.filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lte=since))
    # The claim is one UPDATE on the domain's own row (no join, which PostgreSQL would run
    # as a subquery and not re-check after waiting for the row lock): of two workers,
    # only one can match the free lease.
    lease = dt.timedelta(seconds=settings.SCM_CHECK_LEASE_SECONDS)
    if not claim.update(checking_until=now + lease):
        if not pending.exists():
            return Outcome.CLOSED
        if pending.exclude(free).exists():
            return Outcome.BUSY
        return Outcome.RECENT if unless_checked_within is not None else Outcome.NOT_DUE
    domain = Domain.objects.select_related("certificate").get(pk=domain_pk)
    try:
        result = _probe(domain)
    except Exception:
        # Whatever went wrong is a failed check like any other: recorded, and tried again
        # on the usual schedule (a check that raised would never be retried).
        logger.exception("The check of domain %s failed unexpectedly", domain_pk)
        result = CheckResult(
            False,
            "The check could not be completed (an error on the CA's side); it is tried again.",
        )
    except BaseException:
        Domain.objects.filter(pk=domain_pk).update(checking_until=None)
        raise
    _record(domain, result, now)
    return Outcome.CHECKED


def _probe(domain: Domain) -> CheckResult:
    if domain.method == Method.DNS:
        return check_txt(domain.txt_name, domain.token)
    if domain.method == Method.FILE:
        return check_file(domain.base_name, domain.token)
    if domain.method == Method.ACME_HTTP:
        return check_http01(domain.base_name, domain.token, domain.key_authorization)
    if domain.method == Method.ACME_DNS:
        return check_txt(domain.acme_txt_name, dns01_value(domain.key_authorization))
    if domain.email_sent_at:
        return CheckResult(
            False, f"Waiting for the link emailed to {domain.email_address} to be used."
        )
    return CheckResult(False, "Choose an address to send the validation email to.")


def _record(domain: Domain, result: CheckResult, now: dt.datetime) -> None:
    # The result, the next due time and the lease's release are one UPDATE: a second
    # checker can never find the domain free but still due.
    certificate = domain.certificate
    acme = certificate.csr_source == CsrSource.ACME
    fields = {
        "last_checked_at": now,
        "last_result": _fitting(result.message),
        "last_problem": "" if result.ok else result.problem or "incorrectResponse",
        "checks": F("checks") + 1,
        "checking_until": None,
    }
    if result.ok:
        fields.update(status=DomainStatus.VERIFIED, verified_at=now, next_check_at=None)
    else:
        fields["next_check_at"] = now + delay_after(domain.checks + 1, acme=acme)
    recorded = Domain.objects.filter(pk=domain.pk, status=DomainStatus.PENDING).update(**fields)
    if not recorded:  # settled meanwhile (an email link, a staff override): just let go
        Domain.objects.filter(pk=domain.pk).update(checking_until=None)
        return
    if acme:  # each result of an ACME challenge is in the timeline and the records
        Record.note(
            certificate,
            "acme_challenge",
            detail=_fitting(f"{domain.name}, {domain.method}: {result.message}"),
        )
    if result.ok:
        complete_if_all_verified(certificate)
    elif now >= deadline(certificate) or (
        acme and domain.checks + 1 >= settings.SCM_ACME_VALIDATION_ATTEMPTS
    ):
        _give_up(certificate, domain, result)


def _fitting(message: str) -> str:
    """A result as the last_result column can hold it."""
    limit = Domain._meta.get_field("last_result").max_length
    return message if len(message) <= limit else message[: limit - 1] + "…"


def complete_if_all_verified(certificate: Certificate) -> None:
    if certificate.domains.exclude(status=DomainStatus.VERIFIED).exists():
        return
    # Another checker may complete it first, or the owner withdraw meanwhile: both fine.
    with contextlib.suppress(TransitionRefused):
        certificate.run_transition("verify_domains", by=None)


def _give_up(certificate: Certificate, domain: Domain, result: CheckResult) -> None:
    days = settings.SCM_VERIFICATION_DEADLINE_DAYS
    within = (
        f"in {settings.SCM_ACME_VALIDATION_ATTEMPTS} checks of its ACME challenge"
        if certificate.csr_source == CsrSource.ACME
        else f"within {days} days"
    )
    reason = (
        f"Control of {domain.unicode_name} was not proven {within}. Last check: {result.message}"
    )
    Domain.objects.filter(pk=domain.pk).update(status=DomainStatus.FAILED, next_check_at=None)
    with contextlib.suppress(TransitionRefused):
        certificate.run_transition("reject", by=None, reason=reason)

"""Background jobs (Django's tasks API, database backend). Each is idempotent and safe to
retry: it re-reads the state and does nothing when there is nothing left to do; so a job
whose worker died is simply run again (requeue_abandoned)."""

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from certificates.choices import Status
from certificates.exceptions import CAAForbids, CAAUnavailable, TransitionRefused
from certificates.models import AcmeNonce, Certificate, Domain
from certificates.services import acme, domain_checks, issuance
from certificates.services.domain_checks import Outcome
from certificates.services.expiry import expire_and_warn

RETRY_ISSUE_AFTER = dt.timedelta(minutes=10)

logger = logging.getLogger(__name__)


@task()
def check_domain(domain_pk: int, token: str) -> str:
    """The worker's re-check of one domain; keeps its own chain of future re-checks."""
    domain = Domain.objects.filter(pk=domain_pk, token=token).first()
    if domain is None:
        return "superseded"  # verification restarted: a newer chain owns this domain
    outcome = domain_checks.check_domain(domain_pk)
    if outcome in (Outcome.CHECKED, Outcome.NOT_DUE, Outcome.BUSY):
        domain.refresh_from_db(fields=["status", "next_check_at", "checking_until"])
        due = domain.next_check_at
        if outcome == Outcome.BUSY:
            # Another checker holds the lease; if it died, the lease runs out: look then.
            due = max(filter(None, [due, domain.checking_until]), default=None)
        # One chain per domain: a job run twice, or two jobs for the same domain, queue
        # the next re-check once — whoever moves the marker to the new due time.
        if domain.status == "pending" and due:
            queued = (
                Domain.objects.filter(pk=domain_pk, token=token)
                .exclude(recheck_queued_for=due)
                .update(recheck_queued_for=due)
            )
            if queued:
                check_domain.using(run_after=due).enqueue(domain_pk, token)
    return outcome.value


def check_soon(domain: Domain) -> None:
    """Have the worker check this pending domain at once (Verify now ran out of time)."""
    now = timezone.now()
    if Domain.objects.filter(pk=domain.pk, status="pending").update(next_check_at=now):
        check_domain.enqueue(domain.pk, domain.token)


@task()
def issue(certificate_pk: int) -> str:
    """Issue an application at 90% (automatic DV issuance); CAA is checked first."""
    certificate = Certificate.objects.get(pk=certificate_pk)
    if certificate.status != Status.TO_BE_ISSUED:
        return "not waiting for issuance"
    try:
        certificate.run_transition("issue", by=None)
    except CAAUnavailable as waiting:
        issue.using(run_after=timezone.now() + RETRY_ISSUE_AFTER).enqueue(certificate_pk)
        return str(waiting)
    except CAAForbids as forbidden:
        certificate.run_transition("reject", by=None, reason=str(forbidden))
        return str(forbidden)
    except TransitionRefused as refused:
        return str(refused)
    return "issued"


@task()
def daily_maintenance() -> str:
    """Expire certificates and send expiry notices, re-sign every CA's CRL (revocations or
    not, days before its nextUpdate) and renew OCSP responders in time, close ACME orders
    left undone and forget the used nonces that expired; runs again a day later."""
    expired, warned = expire_and_warn()
    signed = issuance.refresh_all()
    closed, pruned = acme.close_expired_orders(), AcmeNonce.prune()
    schedule_daily_maintenance(after=dt.timedelta(days=1))
    return (
        f"{expired} expired, {warned} notices sent, {signed} CRLs signed, "
        f"{closed} ACME orders closed, {pruned} nonces forgotten"
    )


def schedule_daily_maintenance(after: dt.timedelta = dt.timedelta(0)) -> bool:
    """Queue the daily job unless one is queued already; True when it queued one."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=f"{__name__}.daily_maintenance", status="READY")
    if waiting.exists():
        return False
    daily_maintenance.using(run_after=timezone.now() + after).enqueue()
    return True


def requeue_abandoned() -> int:
    """Put back in the queue the jobs marked running for longer than any job takes
    (SCM_TASK_TIMEOUT_SECONDS): their worker died. Returns how many. (Not a job itself:
    every task worker runs it on a timer, manage.py task_worker.)"""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    limit = timezone.now() - dt.timedelta(seconds=settings.SCM_TASK_TIMEOUT_SECONDS)
    count = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=limit
    ).update(status=TaskResultStatus.READY, started_at=None)
    if count:
        logger.warning("Re-queued %d job(s) left running by a worker that stopped.", count)
    return count

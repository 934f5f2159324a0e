"""Rate limits on what costs the CA or someone else something: checking domains on demand,
sending validation emails, building key bundles. Counted from rows the console keeps
(last check, emails sent, download records), so every web worker sees the same counts
without a shared cache, and a limit survives a restart."""

import datetime as dt
import math

from django.conf import settings
from django.utils import timezone

from certificates.choices import DomainStatus
from certificates.exceptions import Limited
from certificates.models import Certificate, Domain, Record, ValidationEmail
from certificates.models.records import DOWNLOADS


def _wait(seconds: float) -> str:
    seconds = math.ceil(seconds)
    return f"{seconds} s" if seconds < 120 else f"{math.ceil(seconds / 60)} min"


def verify_now(certificate: Certificate) -> None:
    """'Verify now' at most once per SCM_VERIFY_NOW_SECONDS per certificate."""
    interval = dt.timedelta(seconds=settings.SCM_VERIFY_NOW_SECONDS)
    last = (
        certificate.domains.filter(status=DomainStatus.PENDING, last_checked_at__isnull=False)
        .order_by("-last_checked_at")
        .values_list("last_checked_at", flat=True)
        .first()
    )
    if last and (left := (last + interval - timezone.now()).total_seconds()) > 0:
        raise Limited(
            f"The domains were checked {_wait((timezone.now() - last).total_seconds())} ago: "
            f"try again in {_wait(left)}.",
            left,
        )


def send_email(domain: Domain, address: str) -> None:
    """A validation email for this domain to this address is allowed now: at most one per
    domain per SCM_EMAIL_RESEND_SECONDS, one per recipient address per
    SCM_EMAIL_ADDRESS_SECONDS whichever application asks (no address can be flooded by
    applying many times for the same domain), and SCM_EMAILS_PER_HOUR per team.
    Call it in the transaction that records the email (ValidationEmail), with the team's
    row locked, so that two requests cannot both take the last one."""
    now = timezone.now()
    interval = dt.timedelta(seconds=settings.SCM_EMAIL_RESEND_SECONDS)
    sent = domain.email_sent_at
    if sent and (left := (sent + interval - now).total_seconds()) > 0:
        raise Limited(
            f"A validation email for {domain.unicode_name} was sent to {domain.email_address} "
            f"{_wait((now - sent).total_seconds())} ago: you can send another "
            f"in {_wait(left)}.",
            left,
        )
    interval = dt.timedelta(seconds=settings.SCM_EMAIL_ADDRESS_SECONDS)
    last = (
        ValidationEmail.objects.filter(address=address, sent_at__gt=now - interval)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    if last and (left := (last + interval - now).total_seconds()) > 0:
        raise Limited(
            f"A validation email was sent to {address} {_wait((now - last).total_seconds())} "
            f"ago, for this or another application: you can send another in {_wait(left)}.",
            left,
        )
    hour_ago = now - dt.timedelta(hours=1)
    recent = ValidationEmail.objects.filter(
        team_id=domain.certificate.team_id, sent_at__gt=hour_ago
    )
    limit = settings.SCM_EMAILS_PER_HOUR
    if recent.count() >= limit:
        oldest = recent.order_by("sent_at").values_list("sent_at", flat=True)[0]
        left = (oldest - hour_ago).total_seconds()
        raise Limited(
            f"Your team sent {limit} validation emails in the last hour: try again in "
            f"{_wait(left)}.",
            left,
        )


def download(user) -> None:
    """At most SCM_DOWNLOADS_PER_HOUR bundles per user in any hour."""
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    recent = Record.objects.filter(actor=user, action__in=DOWNLOADS, at__gt=hour_ago)
    limit = settings.SCM_DOWNLOADS_PER_HOUR
    if recent.count() >= limit:
        oldest = recent.order_by("at").values_list("at", flat=True)[0]
        left = (oldest - hour_ago).total_seconds()
        raise Limited(
            f"You downloaded {limit} bundles in the last hour: try again in {_wait(left)}.",
            left,
        )

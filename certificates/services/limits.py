"""The rate limits, every one of them: how many of what, per what and how often, and the
words of a refusal (Limited, with the seconds until it is allowed). On what costs the CA or
someone else something: checking domains on demand, sending validation emails, building key
bundles, ACME orders and failed challenges, requests to the API and to ACME's anonymous
endpoints. Most are counted from rows the console keeps (last check, emails sent, download
records, orders, the API's usage per minute), so every web worker sees the same counts and a
limit survives a restart; ACME's anonymous requests are counted in the cache, so that a
flood costs no database write. A `check_…` reads what was done already; a `count_…` counts
the request itself, then checks. The entry points only say a refusal in their own shape
(certificates/acme/views.py, certificates/api/throttling.py, certificates/api/errors.py)."""

import datetime as dt
import math

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.choices import DomainStatus
from certificates.exceptions import Limited
from certificates.models import (
    AcmeAccount,
    AcmeOrder,
    ApiUsage,
    Certificate,
    Domain,
    Record,
    ValidationEmail,
)
from certificates.models.records import DOWNLOADS


def _wait(seconds: float) -> str:
    seconds = math.ceil(seconds)
    if seconds < 120:
        return _("%(seconds)d s") % {"seconds": seconds}
    return _("%(minutes)d min") % {"minutes": math.ceil(seconds / 60)}


def check_verify_now(certificate: Certificate) -> None:
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
            _("The domains were checked %(ago)s ago: try again in %(left)s.")
            % {"ago": _wait((timezone.now() - last).total_seconds()), "left": _wait(left)},
            left,
        )


def check_email(domain: Domain, address: str) -> None:
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
            _(
                "A validation email for %(domain)s was sent to %(address)s %(ago)s ago: you can "
                "send another in %(left)s."
            )
            % {
                "domain": domain.unicode_name,
                "address": domain.email_address,
                "ago": _wait((now - sent).total_seconds()),
                "left": _wait(left),
            },
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
            _(
                "A validation email was sent to %(address)s %(ago)s ago, for this or another "
                "application: you can send another in %(left)s."
            )
            % {"address": address, "ago": _wait((now - last).total_seconds()), "left": _wait(left)},
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
            _("Your team sent %(limit)d validation emails in the last hour: try again in %(left)s.")
            % {"limit": limit, "left": _wait(left)},
            left,
        )


def check_download(user) -> None:
    """At most SCM_DOWNLOADS_PER_HOUR bundles per user in any hour."""
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    recent = Record.objects.filter(actor=user, action__in=DOWNLOADS, at__gt=hour_ago)
    limit = settings.SCM_DOWNLOADS_PER_HOUR
    if recent.count() >= limit:
        oldest = recent.order_by("at").values_list("at", flat=True)[0]
        left = (oldest - hour_ago).total_seconds()
        raise Limited(
            _("You downloaded %(limit)d bundles in the last hour: try again in %(left)s.")
            % {"limit": limit, "left": _wait(left)},
            left,
        )


def check_acme_order(account: AcmeAccount) -> None:
    """The account's hourly limits: SCM_ACME_ORDERS_PER_HOUR new orders, and
    SCM_ACME_FAILED_VALIDATIONS_PER_HOUR challenges that failed for good. Call it in the
    transaction that places the order, with the account's row locked."""
    since = timezone.now() - dt.timedelta(hours=1)
    orders = AcmeOrder.objects.filter(account=account, created_at__gte=since)
    if orders.count() >= settings.SCM_ACME_ORDERS_PER_HOUR:
        oldest = orders.order_by("created_at").values_list("created_at", flat=True).first()
        raise Limited(
            f"This account placed {settings.SCM_ACME_ORDERS_PER_HOUR} orders in the last hour, "
            "its limit; try again later.",
            _seconds_until(oldest + dt.timedelta(hours=1)),
        )
    failed = Domain.objects.filter(
        certificate__acme_order__account=account,
        status=DomainStatus.FAILED,
        last_checked_at__gte=since,
    )
    if failed.count() >= settings.SCM_ACME_FAILED_VALIDATIONS_PER_HOUR:
        oldest = failed.order_by("last_checked_at").values_list("last_checked_at", flat=True)[0]
        raise Limited(
            f"{settings.SCM_ACME_FAILED_VALIDATIONS_PER_HOUR} challenges of this account failed "
            "in the last hour, its limit: fix the validation setup, then try again later.",
            _seconds_until(oldest + dt.timedelta(hours=1)),
        )


def _seconds_until(moment: dt.datetime) -> int:
    return max(int((moment - timezone.now()).total_seconds()) + 1, 1)


def count_anonymous_acme_request(address: str) -> None:
    """Count a request from this address to the ACME endpoints anyone may call, before any
    account is known (directory, new-nonce, newAccount, revokeCert): at most
    SCM_ACME_ANONYMOUS_PER_MINUTE a minute (0: no limit), counted in the cache. With the
    default per-process cache each web process counts on its own; a shared cache (CACHES)
    makes it one count."""
    limit = settings.SCM_ACME_ANONYMOUS_PER_MINUTE
    if not limit:
        return
    now = timezone.now()
    key = f"acme-anonymous:{address}:{int(now.timestamp()) // 60}"
    cache = caches["default"]
    cache.add(key, 0, timeout=120)
    try:
        made = cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.add(key, 1, timeout=120)
        made = 1
    if made > limit:
        raise Limited(
            f"More than {limit} requests a minute from {address} to this ACME server's "
            "directory, nonces, newAccount and revokeCert: try again in a minute.",
            60 - now.second,
        )


def count_api_request(token_id: int) -> None:
    """Count a request of this API token: at most SCM_API_REQUESTS_PER_MINUTE a minute
    (SPEC §10), counted in the database (one upsert a request), so every web process counts
    against the same limit and a restart forgets nothing."""
    now = timezone.now()
    limit = settings.SCM_API_REQUESTS_PER_MINUTE
    if _count_api_minute(token_id, now.replace(second=0, microsecond=0)) > limit:
        raise Limited(
            _("More than %(limit)d requests a minute with this API token: try again in %(left)s.")
            % {"limit": limit, "left": _wait(60 - now.second)},
            60 - now.second,
        )


def _count_api_minute(token_id: int, minute: dt.datetime) -> int:
    """Add one request to the token's minute; how many it has made in it."""
    table = ApiUsage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (token_id, minute, count) VALUES (%s, %s, 1) "  # noqa: S608 - our table's name
            f"ON CONFLICT (token_id, minute) DO UPDATE SET count = {table}.count + 1 "
            "RETURNING count",
            [token_id, minute],
        )
        made = cursor.fetchone()[0]
    if made == 1:  # a new minute: forget the old ones
        ApiUsage.objects.filter(token_id=token_id, minute__lt=minute).delete()
    return made

"""What the overview pages show: a team's certificates by state, what expires soon, what
was issued month by month and how long issuance took (SPEC §7, the applicant's overview);
and for CA staff, the queues, the day's issuance and why applications failed. Read from the
counts the database keeps (models/stats.py) and from index ranges, never by counting a
team's rows, so a page costs the same at a thousand certificates and at a million."""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy

from certificates import figures
from certificates.choices import CertificateType, Status
from certificates.models import (
    Certificate,
    IssuanceDay,
    IssuanceMonth,
    Record,
    StateCount,
)

EXPIRY_WINDOWS = (7, 30, 60)  # days
MONTHS = 12
# Which states ask something of the team, and what: the overview's "needs your attention"
# says "<n> <what they are> — <what to do>".
ASKS_THE_TEAM = {
    Status.PENDING_APPLICATION: (
        gettext_lazy("not submitted yet"),
        gettext_lazy("finish the applications and submit them"),
    ),
    Status.PENDING_DOMAIN_VERIFICATION: (
        gettext_lazy("waiting for proof of domain control"),
        gettext_lazy("publish the DNS record or file each one asks for"),
    ),
    Status.APPLICATION_FAILED: (
        gettext_lazy("failed"),
        gettext_lazy("read why, then apply again or delete them"),
    ),
}


@dataclass
class TeamOverview:
    states: list[tuple[Status, int]]  # every listed state, in the workflow's order
    total: int
    expiring: dict[int, int]  # days → issued certificates expiring within them
    months: list[dict]  # figures.bars() of issuance per month, oldest first
    issued_in_year: int
    medians: list[dict] = field(default_factory=list)  # per type with issuances

    @property
    def attention(self) -> list[tuple[Status, int, str, str]]:
        """(state, how many, what they are, what to do) of each state that asks the team."""
        counts = dict(self.states)
        return [
            (state, counts[state], what, todo)
            for state, (what, todo) in ASKS_THE_TEAM.items()
            if counts.get(state)
        ]


def team_overview(team_id: int, *, now: dt.datetime | None = None) -> TeamOverview:
    """The overview of a team (its membership checked by the caller): three queries."""
    now = now or timezone.now()
    counted = dict(StateCount.objects.filter(team_id=team_id).values_list("status", "count"))
    states = [(s, counted.get(s.value, 0)) for s in Status if s != Status.DELETED]
    return TeamOverview(
        states=states,
        total=sum(n for _, n in states),
        expiring=_expiring(team_id, now),
        **_issuance(team_id, now.date()),
    )


def _expiring(team_id: int, now: dt.datetime) -> dict[int, int]:
    """Issued certificates that expire within each window: one range of the team's expiry
    index (the list's "expiry" sort), as wide as the longest window, which holds the state
    too. (With the state in the WHERE, SQLite took the team's index by state instead and
    read each issued row: 0.64 s at 1M rows.)"""
    soon = Certificate.objects.filter(
        team_id=team_id,
        expiry_key__gt=now,
        expiry_key__lte=now + dt.timedelta(days=max(EXPIRY_WINDOWS)),
    )
    counted = soon.aggregate(
        **{
            f"d{days}": Count(
                "pk",
                filter=Q(status=Status.ISSUED, expiry_key__lte=now + dt.timedelta(days=days)),
            )
            for days in EXPIRY_WINDOWS
        }
    )
    return {days: counted[f"d{days}"] for days in EXPIRY_WINDOWS}


def _issuance(team_id: int, today: dt.date) -> dict:
    """Issuance per month for a year, and the median time from submission to issue of each
    type over that year, from the team's monthly counts (one query, a few hundred rows)."""
    months = figures.months_back(today, MONTHS)
    rows = IssuanceMonth.objects.filter(team_id=team_id, month__gte=months[0]).values_list(
        "month", "certificate_type", "bucket", "count"
    )
    per_month: Counter = Counter()
    buckets: dict[str, Counter] = defaultdict(Counter)
    for month, kind, bucket, count in rows:
        per_month[month] += count
        buckets[kind][bucket] += count
    medians = [
        {
            "type": kind,
            "count": sum(buckets[kind.value].values()),
            "seconds": seconds,
            "words": figures.duration_words(seconds),
        }
        for kind in CertificateType
        if (seconds := figures.median_seconds(buckets[kind.value])) is not None
    ]
    longest = max((m["seconds"] for m in medians), default=0)
    for median in medians:
        median["share"] = round(median["seconds"] / longest * 100) if longest else 0
    return {
        "months": [
            {**bar, "short": formats.date_format(month, "M")}  # the axis: Dec, ธ.ค., 12月
            for month, bar in zip(
                months,
                figures.bars(
                    (formats.date_format(month, "YEAR_MONTH_FORMAT"), per_month[month])
                    for month in months
                ),
                strict=True,
            )
        ],
        "issued_in_year": sum(per_month.values()),
        "medians": medians,
    }


@dataclass
class StaffOverview:
    review_queue: int
    oldest_review: dt.datetime | None
    waiting: list[tuple[Status, int]]  # states in which applications wait for the CA
    days: list[dict]  # figures.bars() of issuance per day, oldest first
    issued_in_days: int
    failures: list[tuple[str, int]]  # reason, count, most first
    failure_days: int


STAFF_DAYS = 30
WAITING = (
    Status.PENDING_DOMAIN_VERIFICATION,
    Status.PENDING_ORG_VERIFICATION,
    Status.TO_BE_ISSUED,
    Status.WITHDRAWING,
    Status.REVOKING,
)


def staff_overview(*, now: dt.datetime | None = None) -> StaffOverview:
    """The CA's day at a glance, for the admin's index: four queries."""
    now = now or timezone.now()
    waiting = dict(
        StateCount.objects.filter(status__in=WAITING)
        .values("status")
        .annotate(n=Sum("count"))
        .values_list("status", "n")
    )
    oldest = Certificate.objects.filter(status=Status.PENDING_ORG_VERIFICATION).aggregate(
        oldest=Min("domains_verified_at")
    )["oldest"]
    first_day = now.date() - dt.timedelta(days=STAFF_DAYS - 1)
    per_day = dict(
        IssuanceDay.objects.filter(day__gte=first_day)
        .values("day")
        .annotate(n=Sum("count"))
        .values_list("day", "n")
    )
    days = [first_day + dt.timedelta(days=i) for i in range(STAFF_DAYS)]
    return StaffOverview(
        review_queue=waiting.get(Status.PENDING_ORG_VERIFICATION, 0),
        oldest_review=oldest,
        waiting=[(s, waiting.get(s, 0)) for s in WAITING],
        days=figures.bars(
            (formats.date_format(d, "MONTH_DAY_FORMAT"), per_day.get(d, 0)) for d in days
        ),
        issued_in_days=sum(per_day.values()),
        failures=_failures(now - dt.timedelta(days=STAFF_DAYS)),
        failure_days=STAFF_DAYS,
    )


def _failures(since: dt.datetime) -> list[tuple[str, int]]:
    """Why applications failed since then, by kind of reason, most first: the log's
    entries into "Application failed" (one range of its target index)."""
    entries = Record.objects.filter(target=Status.APPLICATION_FAILED, at__gte=since).values_list(
        "actor_id", "detail"
    )
    kinds = Counter(failure_kind(actor, reason) for actor, reason in entries)
    return kinds.most_common()


def failure_kind(actor_id: int | None, reason: str) -> str:
    """The kind of a failure's reason, as the staff overview groups them."""
    if actor_id is not None:
        return "Rejected by CA staff"
    if reason.startswith("Control of"):
        return "Domain control not proven in time"
    if "CAA" in reason:
        return "CAA records forbid issuance"
    if reason.startswith("The ACME order expired"):
        return "ACME order left unfinished"
    return "Other"

"""The overview's counts (models/stats.py) are kept by triggers in the database: whatever
writes a certificate — a transition, a factory, a bulk update, a delete — leaves them equal
to counting the rows from scratch, on SQLite and PostgreSQL alike."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates import figures
from certificates.choices import CertificateType, Status
from certificates.models import (
    Certificate,
    IssuanceDay,
    IssuanceMonth,
    StateCount,
)
from tests.factories import CertificateFactory, UserFactory, in_state, team_of


def kept() -> dict:
    return {
        "states": {(r.team_id, r.status): r.count for r in StateCount.objects.all() if r.count},
        "months": {
            (r.team_id, r.month, r.certificate_type, r.bucket): r.count
            for r in IssuanceMonth.objects.all()
            if r.count
        },
        "days": {
            (r.day, r.certificate_type): r.count for r in IssuanceDay.objects.all() if r.count
        },
    }


def counted() -> dict:
    """The same counts, from the certificate rows, in Python."""
    states, months, days = Counter(), Counter(), Counter()
    for c in Certificate.objects.all():
        states[(c.team_id, c.status)] += 1
        if c.issued_at is None:
            continue
        issued = c.issued_at.astimezone(dt.UTC)
        took = (
            figures.bucket((c.issued_at - c.submitted_at).total_seconds())
            if c.submitted_at
            else figures.UNKNOWN
        )
        months[(c.team_id, issued.date().replace(day=1), c.certificate_type, took)] += 1
        days[(issued.date(), c.certificate_type)] += 1
    return {"states": dict(states), "months": dict(months), "days": dict(days)}


def test_transitions_move_a_certificate_between_counts(alice):
    certificate = CertificateFactory(owner=alice)
    team = certificate.team_id
    assert kept()["states"] == {(team, Status.PENDING_APPLICATION): 1}
    certificate.run_transition("submit", by=alice)
    assert kept()["states"] == {(team, Status.PENDING_DOMAIN_VERIFICATION): 1}
    Certificate.objects.filter(pk=certificate.pk).update(status=Status.TO_BE_ISSUED)
    certificate.refresh_from_db()
    certificate.run_transition("issue", by=None)
    found = kept()
    assert found["states"] == {(team, Status.ISSUED): 1}
    assert found == counted()
    ((_, month, kind, bucket),) = found["months"]
    assert (month, kind, bucket) == (timezone.now().date().replace(day=1), "dv", 0)
    certificate.delete()
    assert kept() == counted() == {"states": {}, "months": {}, "days": {}}


@pytest.mark.django_db
@settings(max_examples=15, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["make", "move", "issue", "delete", "reteam", "bulk"]),
            st.integers(0, 10),
            st.sampled_from(list(Status)),
            st.integers(0, 40 * 86400),
        ),
        max_size=12,
    )
)
def test_any_writes_leave_the_counts_as_a_recount_would(steps):
    users = [UserFactory(), UserFactory()]
    now = timezone.now()
    for action, pick, status, seconds in steps:
        rows = list(Certificate.objects.order_by("pk"))
        row = rows[pick % len(rows)] if rows else None
        if action == "make" or row is None:
            in_state(status, owner=users[pick % 2], certificate_type=CertificateType.OV)
        elif action == "move":
            Certificate.objects.filter(pk=row.pk).update(status=status)
        elif action == "issue":
            Certificate.objects.filter(pk=row.pk).update(
                status=Status.ISSUED,
                submitted_at=now - dt.timedelta(seconds=seconds),
                issued_at=now - dt.timedelta(days=pick * 20),
            )
        elif action == "delete":
            row.delete()
        elif action == "reteam":
            Certificate.objects.filter(pk=row.pk).update(team=team_of(users[pick % 2]))
        else:
            Certificate.objects.update(status=status)
    assert kept() == counted()
    Certificate.objects.all().delete()
    assert kept() == counted()


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, 0), (59.9, 0), (60, 1), (3599, 8), (3600, 9), (30 * 86400 - 1, 27), (30 * 86400, 28)],
)
def test_durations_fall_in_the_bucket_the_triggers_use(alice, seconds, expected):
    assert figures.bucket(seconds) == expected
    certificate = CertificateFactory(owner=alice)
    now = timezone.now()
    Certificate.objects.filter(pk=certificate.pk).update(
        submitted_at=now - dt.timedelta(seconds=seconds), issued_at=now
    )
    assert IssuanceMonth.objects.get().bucket == expected


def test_the_median_is_read_inside_its_bucket():
    assert figures.median_seconds({}) is None
    assert figures.median_seconds({figures.UNKNOWN: 5}) is None
    # 10 in [60, 120): the median, the 5th of 10, lies half way through.
    assert figures.median_seconds({1: 10}) == pytest.approx(90)
    assert figures.median_seconds({0: 1, 9: 3}) == pytest.approx(3600 + 1800 / 3 * 1)
    assert figures.median_seconds({28: 4}) == 30 * 86400
    assert figures.duration_words(30) == "under a minute"
    assert figures.duration_words(90) == "2 min"
    assert figures.duration_words(3 * 3600 + 20 * 60) == "3 h 20 min"
    assert figures.duration_words(86400 + 4 * 3600) == "1 day 4 h"
    assert figures.duration_words(40 * 86400) == "30 days or more"
    assert figures.months_back(dt.date(2026, 2, 14), 3) == [
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]
    assert [b["height"] for b in figures.bars([("a", 0), ("b", 7), ("c", 10)])] == [0, 84, 120]

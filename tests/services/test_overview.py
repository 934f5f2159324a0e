"""The overviews (certificates/services/overview.py), at the service boundary: a team's
certificates by state, what asks the team for something, what expires soon, issuance per
month and its median time; for staff, the queues, the day's issuance and why applications
failed, grouped by failure_kind."""

import datetime as dt

import pytest
from django.utils import timezone

from certificates.choices import CertificateType, Status
from certificates.models import Certificate
from certificates.services.overview import failure_kind, staff_overview, team_overview
from tests.factories import CertificateFactory, in_state, team_of


def issued_at(owner, *, took: dt.timedelta, at: dt.datetime, **kwargs) -> Certificate:
    certificate = CertificateFactory(owner=owner, **kwargs)
    Certificate.objects.filter(pk=certificate.pk).update(
        status=Status.ISSUED,
        submitted_at=at - took,
        issued_at=at,
        not_after=at + dt.timedelta(days=199),
    )
    return certificate


def test_a_team_counts_every_state_but_deleted_and_nothing_of_another_team(alice, bob):
    for _ in range(3):
        CertificateFactory(owner=alice, domain=True)
    CertificateFactory(owner=alice, failed=True)
    CertificateFactory(owner=alice, deleted=True)
    CertificateFactory(owner=bob, domain=True)
    overview = team_overview(team_of(alice).pk)
    counts = dict(overview.states)
    assert Status.DELETED not in counts
    assert [state for state, _ in overview.states] == [s for s in Status if s != Status.DELETED]
    assert counts[Status.PENDING_DOMAIN_VERIFICATION] == 3
    assert counts[Status.APPLICATION_FAILED] == 1
    assert overview.total == 4


def test_what_asks_the_team_says_how_many_and_what_to_do(alice):
    CertificateFactory(owner=alice)
    CertificateFactory(owner=alice, domain=True)
    CertificateFactory(owner=alice, domain=True)
    CertificateFactory(owner=alice, issued=True)  # asks nothing
    attention = team_overview(team_of(alice).pk).attention
    assert [(state, count) for state, count, _, _ in attention] == [
        (Status.PENDING_APPLICATION, 1),
        (Status.PENDING_DOMAIN_VERIFICATION, 2),
    ]
    assert attention[1][2:] == (
        "waiting for proof of domain control",
        "publish the DNS record or file each one asks for",
    )


def test_expiry_windows_count_issued_certificates_only(alice):
    now = timezone.now()
    for days in (3, 20, 45, 90):
        CertificateFactory(owner=alice, issued=True, not_after=now + dt.timedelta(days=days))
    CertificateFactory(owner=alice, revoked=True, not_after=now + dt.timedelta(days=5))
    CertificateFactory(owner=alice, expired=True)
    assert team_overview(team_of(alice).pk, now=now).expiring == {7: 1, 30: 2, 60: 3}


def test_issuance_per_month_and_the_median_time_per_type(alice):
    now = timezone.now()
    for hours in (1, 2, 3):
        issued_at(alice, took=dt.timedelta(hours=hours, minutes=1), at=now)
    issued_at(alice, took=dt.timedelta(days=2), at=now - dt.timedelta(days=40), ov=True)
    issued_at(alice, took=dt.timedelta(days=1), at=now - dt.timedelta(days=800))  # too long ago
    overview = team_overview(team_of(alice).pk, now=now)
    assert overview.issued_in_year == 4
    assert len(overview.months) == 12
    medians = {m["type"]: m for m in overview.medians}
    assert set(medians) == {CertificateType.DV, CertificateType.OV}
    assert medians[CertificateType.DV]["count"] == 3
    assert medians[CertificateType.DV]["words"].startswith("2 h")
    assert medians[CertificateType.OV]["words"].startswith("2 days")
    assert medians[CertificateType.OV]["share"] == 100  # the longest draws the full bar


def test_staff_see_the_review_queue_what_waits_and_the_days_issuance(alice):
    long_ago = timezone.now() - dt.timedelta(days=3)
    for hours in (0, 5):
        certificate = in_state(Status.PENDING_ORG_VERIFICATION, owner=alice)
        Certificate.objects.filter(pk=certificate.pk).update(
            domains_verified_at=long_ago + dt.timedelta(hours=hours)
        )
    CertificateFactory(owner=alice, domain=True)
    CertificateFactory(owner=alice, ready=True).run_transition("issue", by=None)
    overview = staff_overview()
    assert overview.review_queue == 2
    assert overview.oldest_review == long_ago
    waiting = dict(overview.waiting)
    assert waiting[Status.PENDING_ORG_VERIFICATION] == 2
    assert waiting[Status.PENDING_DOMAIN_VERIFICATION] == 1
    assert waiting[Status.TO_BE_ISSUED] == 0
    assert overview.issued_in_days == 1 and len(overview.days) == overview.failure_days == 30


def test_staff_see_why_applications_failed_most_first(alice, validator):
    for _ in range(2):
        timed_out = CertificateFactory(owner=alice, domain=True)
        timed_out.run_transition(
            "reject", by=None, reason="Control of www.example.com was not proven within 30 days."
        )
    rejected = CertificateFactory(owner=alice, domain=True)
    rejected.run_transition("reject", by=validator, reason="The registry does not know it.")
    assert staff_overview().failures == [
        ("Domain control not proven in time", 2),
        ("Rejected by CA staff", 1),
    ]
    later = timezone.now() + dt.timedelta(days=31)
    assert staff_overview(now=later).failures == []  # only the last 30 days


@pytest.mark.parametrize(
    ("actor_id", "reason", "kind"),
    [
        (7, "Control of www.example.com was not proven.", "Rejected by CA staff"),
        (
            None,
            "Control of www.example.com was not proven within 30 days.",
            "Domain control not proven in time",
        ),
        (None, "A CAA record of example.com names other CAs only.", "CAA records forbid issuance"),
        (
            None,
            "The ACME order expired: its client did not complete it.",
            "ACME order left unfinished",
        ),
        (None, "Something else.", "Other"),
    ],
)
def test_failure_kinds_group_the_reasons_as_staff_read_them(actor_id, reason, kind):
    assert failure_kind(actor_id, reason) == kind

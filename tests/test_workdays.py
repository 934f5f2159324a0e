"""Expected issue dates count working days (SPEC §4). Holidays: the US list by default."""

import datetime as dt

import pytest
import time_machine

from certificates.models.presenter import expected_issue, expected_issue_dates
from certificates.workdays import add_working_days, is_working_day
from tests.factories import CertificateFactory

D = dt.date


@pytest.fixture(autouse=True)
def _us_holidays(settings):
    settings.SCM_CA_HOLIDAY_COUNTRY = "US"
    settings.SCM_CA_SUSPENSION_DATES = []
    settings.SCM_MANUAL_REVIEW_EXTRA_DAYS = 3


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 12, 2), 1, D(2026, 12, 3)),  # Wednesday → Thursday
        (D(2026, 12, 4), 1, D(2026, 12, 7)),  # Friday → Monday, over the weekend
        (D(2026, 12, 5), 1, D(2026, 12, 7)),  # Saturday counts from Monday
        (D(2026, 12, 24), 1, D(2026, 12, 28)),  # Christmas Friday skipped
        (D(2026, 12, 30), 3, D(2027, 1, 5)),  # over year end and New Year's Day
        (D(2026, 12, 30), 5, D(2027, 1, 7)),
        (D(2026, 12, 2), 0, D(2026, 12, 2)),
    ],
)
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


def test_configured_suspension_date_is_skipped(settings):
    settings.SCM_CA_SUSPENSION_DATES = ["2026-12-28"]
    assert not is_working_day(D(2026, 12, 28))
    assert add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 29)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("traits", "expected"),
    [
        ({}, (D(2026, 12, 28), D(2026, 12, 29))),  # DV 1–2
        ({"ov": True}, (D(2026, 12, 30), D(2027, 1, 4))),  # OV 3–5 over New Year
        ({"ev": True}, (D(2027, 1, 6), D(2027, 1, 11))),  # EV 7–10
        ({"manual_review": True}, (D(2026, 12, 31), D(2027, 1, 4))),  # DV + 3 days
    ],
)
def test_expected_dates_at_40_percent_count_from_today(traits, expected):
    certificate = CertificateFactory(domain=True, **traits)
    with time_machine.travel(dt.datetime(2026, 12, 24, 15, 0, tzinfo=dt.UTC), tick=False):
        assert expected_issue_dates(certificate) == expected


@pytest.mark.django_db
def test_expected_dates_count_from_domain_verification_once_it_is_done():
    certificate = CertificateFactory(
        ov=True, org=True, domains_verified_at=dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC)
    )
    with time_machine.travel(dt.datetime(2026, 12, 20, tzinfo=dt.UTC), tick=False):
        assert expected_issue_dates(certificate) == (D(2026, 12, 9), D(2026, 12, 11))


@pytest.mark.django_db
@pytest.mark.parametrize("traits", [{}, {"issued": True}, {"failed": True}, {"withdrawing": True}])
def test_no_expected_date_outside_the_progress_states(traits):
    assert expected_issue_dates(CertificateFactory(**traits)) is None


@pytest.mark.django_db
def test_list_row_shows_the_expected_range(client, alice):
    CertificateFactory(owner=alice, domain=True, ov=True)
    with time_machine.travel(dt.datetime(2026, 12, 24, 15, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(alice)
        html = client.get("/certificates/").text
    assert "Expected 2026-12-30 – 2027-01-04" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("traits", "auto", "said"),
    [
        ({"domain": True}, True, "Issued within minutes of every domain passing its check"),
        ({"ready": True}, True, "Being issued now: within minutes"),
        ({"domain": True, "manual_review": True}, True, "Expected 2026-12-31 – 2027-01-04"),
        ({"domain": True}, False, "Expected 2026-12-28 – 2026-12-29"),
    ],
    ids=["dv-verifying", "dv-issuing", "dv-manual-review", "dv-issued-by-staff"],
)
def test_a_dv_says_what_will_really_happen(settings, traits, auto, said):
    """A DV the system issues by itself is issued within minutes of its check passing,
    not in one or two working days."""
    settings.SCM_AUTO_ISSUE_DV = auto
    certificate = CertificateFactory(**traits)
    with time_machine.travel(dt.datetime(2026, 12, 24, 15, 0, tzinfo=dt.UTC), tick=False):
        assert expected_issue(certificate) == said

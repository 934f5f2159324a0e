"""The staff overview on the admin's index: the review queue and its oldest application,
what waits for the CA per state, issuance per day and why applications failed, from the
counts the database keeps; the same queries whatever the number of certificates."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from certificates.choices import Status
from certificates.models import Certificate
from tests.factories import CertificateFactory, UserFactory, in_state

INDEX = "/admin/"


def waiting_count(page: str, state: str) -> str:
    found = re.search(rf'data-state="{state}">.*?<td class="count">(\d+)</td>', page, re.S)
    return found.group(1) if found else ""


def test_the_queue_what_waits_what_was_issued_and_why_applications_failed(
    staff_client, alice, validator
):
    long_ago = timezone.now() - dt.timedelta(days=3)
    for hours in (0, 5):
        certificate = in_state(Status.PENDING_ORG_VERIFICATION, owner=alice)
        Certificate.objects.filter(pk=certificate.pk).update(
            domains_verified_at=long_ago + dt.timedelta(hours=hours)
        )
    CertificateFactory(owner=alice, domain=True)
    ready = CertificateFactory(owner=alice, ready=True)
    ready.run_transition("issue", by=None)
    rejected = CertificateFactory(owner=alice, domain=True)
    rejected.run_transition("reject", by=validator, reason="The registry does not know it.")
    timed_out = CertificateFactory(owner=alice, domain=True)
    timed_out.run_transition(
        "reject", by=None, reason="Control of www.example.com was not proven within 30 days."
    )

    page = staff_client.get(INDEX).text
    assert 'data-review-queue><a href="/admin/certificates/organizationreview/">2</a>' in page
    assert f"since {long_ago:%Y-%m-%d}" in page
    assert waiting_count(page, "pending_org_verification") == "2"
    assert waiting_count(page, "pending_domain_verification") == "1"
    assert (
        'href="/admin/certificates/certificate/?status__exact=pending_domain_verification"' in page
    )
    today = f"{timezone.now():%d %b}"
    assert f"<title>{today}: 1 issued</title>" in page
    assert "1 certificate issued in the last 30 days" in page
    assert 'data-failure="Rejected by CA staff"' in page
    assert 'data-failure="Domain control not proven in time"' in page
    assert 'class="app-certificates' in page  # the models' list is still there


def test_staff_without_certificate_duties_see_no_overview(client, db):
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    page = client.get(INDEX)
    assert page.status_code == 200
    assert "data-staff-overview" not in page.text


@pytest.mark.parametrize("rows", [1, 30])
def test_the_same_queries_at_any_size(staff_client, alice, rows, django_assert_max_num_queries):
    for _ in range(rows):
        in_state(Status.PENDING_ORG_VERIFICATION, owner=alice)
        CertificateFactory(owner=alice, ready=True).run_transition("issue", by=None)
    staff_client.get(INDEX)
    # Session, user, permissions (2); waiting, oldest, per day, failures; the app list's.
    with django_assert_max_num_queries(10):
        assert staff_client.get(INDEX).status_code == 200

"""The team's overview (/overview/): counts per state linked to the filtered list, what
expires within 7/30/60 days, issuance per month and the median time to issue per type,
drawn as SVG with the numbers as text beside each chart; the same few queries at any size,
and nothing of another team."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from certificates.choices import CertificateType, Status
from certificates.models import Certificate
from teams.roles import Role
from tests.factories import CertificateFactory, MembershipFactory, UserFactory, in_state, team_of

OVERVIEW = "/overview/"


def issued(owner, *, took: dt.timedelta, at: dt.datetime, **kwargs) -> Certificate:
    certificate = CertificateFactory(owner=owner, **kwargs)
    Certificate.objects.filter(pk=certificate.pk).update(
        status=Status.ISSUED,
        submitted_at=at - took,
        issued_at=at,
        not_after=at + dt.timedelta(days=199),
    )
    return certificate


def row(page, state: str) -> str:
    found = re.search(rf'<tr class="status-{state}" data-state="{state}">(.*?)</tr>', page, re.S)
    return found.group(1) if found else ""


def test_counts_per_state_link_to_the_filtered_list(alice_client, alice):
    for _ in range(3):
        CertificateFactory(owner=alice, domain=True)
    in_state(Status.PENDING_ORG_VERIFICATION, owner=alice)
    CertificateFactory(owner=alice, deleted=True)
    page = alice_client.get(OVERVIEW)
    assert page.status_code == 200
    text = page.text
    waiting = row(text, "pending_domain_verification")
    assert 'href="/certificates/?status=pending_domain_verification"' in waiting
    assert '<td class="count">3</td>' in waiting
    assert '<td class="count">1</td>' in row(text, "pending_org_verification")
    assert "deleted" not in re.findall(r'data-state="([a-z_]+)"', text)
    assert "4 in all" in text
    # Waiting for the team: listed under "Needs your attention".
    attention = text.split("data-attention")[1].split("</section>")[0]
    assert "<strong>3</strong> waiting for proof of domain control" in attention


def test_expiring_windows_count_issued_certificates_only(alice_client, alice):
    now = timezone.now()
    for days in (3, 20, 45, 90):
        CertificateFactory(owner=alice, issued=True, not_after=now + dt.timedelta(days=days))
    CertificateFactory(owner=alice, expired=True)
    CertificateFactory(owner=alice, revoked=True, not_after=now + dt.timedelta(days=5))
    text = alice_client.get(OVERVIEW).text
    tiles = dict(re.findall(r'data-expiring="(\d+)">\s*<span class="tile-number">(\d+)<', text))
    assert tiles == {"7": "1", "30": "2", "60": "3"}
    assert "<strong>2</strong> expiring within 30 days" in text


def test_issuance_per_month_and_the_median_time_per_type(alice_client, alice):
    now = timezone.now()
    for hours in (1, 2, 3):
        issued(alice, took=dt.timedelta(hours=hours, minutes=1), at=now)
    issued(
        alice,
        took=dt.timedelta(days=2),
        at=now - dt.timedelta(days=40),
        certificate_type=CertificateType.OV,
    )
    issued(alice, took=dt.timedelta(days=1), at=now - dt.timedelta(days=800))  # over a year ago
    text = alice_client.get(OVERVIEW).text
    this_month = f"{now:%b %Y}"
    assert f"<title>{this_month}: 3 issued</title>" in text
    assert f"<tr><td>{this_month}</td><td>3</td></tr>" in text
    assert "4 certificates issued in the last 12 months" in text
    medians = dict(
        re.findall(
            r'data-type="(\w+)">\s*<th scope="row">[^<]+</th>\s*<td class="count">([^<]+)<', text
        )
    )
    # The DVs took 1, 2 and 3 hours: the median lies in the bucket of 2 hours (2 h–3 h).
    assert medians["dv"].startswith("2 h")
    assert medians["ov"].startswith("2 days")
    assert "ev" not in medians


def test_nothing_to_do_says_so(alice_client, alice):
    CertificateFactory(owner=alice, issued=True)
    text = alice_client.get(OVERVIEW).text
    assert "data-all-clear" in text
    assert "Nothing was issued in the last 12 months." in text


def test_other_teams_are_not_counted(alice_client, alice, bob):
    CertificateFactory(owner=bob, domain=True)
    assert '<td class="count">0</td>' in row(
        alice_client.get(OVERVIEW).text, "pending_domain_verification"
    )


def test_read_only_members_see_it_and_strangers_log_in_first(client, alice):
    reader = UserFactory()
    MembershipFactory(team=team_of(alice), user=reader, role=Role.READ_ONLY)
    CertificateFactory(owner=alice, domain=True)
    client.force_login(reader)
    assert client.get(OVERVIEW).status_code == 200
    client.logout()
    assert client.get(OVERVIEW).status_code == 302
    assert client.post(OVERVIEW).status_code in (302, 405)


@pytest.mark.parametrize("rows", [1, 25])
def test_the_same_queries_at_any_size(alice_client, alice, rows, django_assert_num_queries):
    now = timezone.now()
    for i in range(rows):
        issued(alice, took=dt.timedelta(minutes=i + 1), at=now - dt.timedelta(days=i * 9))
        CertificateFactory(owner=alice, domain=True)
    alice_client.get(OVERVIEW)  # the session's team, remembered
    # Session, user, membership; state counts, expiring, monthly counts.
    with django_assert_num_queries(6):
        assert alice_client.get(OVERVIEW).status_code == 200

"""The admin's lists at scale (certificates/admin/scale.py): a bounded count and pages that
follow a cursor, so that a page costs the same queries at any size and nothing is counted
or skipped row by row."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates import pagination
from certificates.admin.certificates import CertificateAdmin
from certificates.admin.log import AuditListAdmin
from certificates.choices import Status
from certificates.models import Certificate, Record, StateChange
from tests.factories import CertificateFactory, UserFactory, in_state

CHANGELIST = "/admin/certificates/certificate/"


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 5 and a count bounded at 12, so that a few rows make several pages."""
    monkeypatch.setattr(CertificateAdmin, "list_per_page", 5)
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 12)


def names_on(page) -> list[str]:
    return re.findall(r'field-name"><a href="[^"]+">([^<]+)</a>', page.text)


def link(page, rel: str) -> str:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', page.text)
    return unescape(found.group(1)) if found else ""


def test_pages_follow_each_other_without_gaps_or_repeats(staff_client, small_pages, alice):
    made = [CertificateFactory(owner=alice, name=f"cert{i:02}") for i in range(13)]
    newest_first = [c.name for c in reversed(made)]

    first = staff_client.get(CHANGELIST)
    assert names_on(first) == newest_first[:5]
    assert "1–5 of more than 12 certificates" in first.text
    assert not link(first, "prev")
    second = staff_client.get(CHANGELIST + link(first, "next"))
    assert names_on(second) == newest_first[5:10]
    assert "6–10 of more than 12" in second.text
    third = staff_client.get(CHANGELIST + link(second, "next"))
    assert names_on(third) == newest_first[10:]
    assert not link(third, "next")
    back = staff_client.get(CHANGELIST + link(third, "prev"))
    assert names_on(back) == newest_first[5:10]
    # Fewer than a page before the cursor: the first page, in full.
    assert names_on(staff_client.get(CHANGELIST + link(second, "prev"))) == newest_first[:5]


def test_a_row_added_between_pages_is_neither_repeated_nor_lost(staff_client, small_pages, alice):
    made = [CertificateFactory(owner=alice, name=f"cert{i:02}") for i in range(8)]
    first = staff_client.get(CHANGELIST)
    CertificateFactory(owner=alice, name="newcomer")
    second = staff_client.get(CHANGELIST + link(first, "next"))
    assert names_on(second) == [c.name for c in reversed(made[:3])]


def test_filters_and_search_start_again_at_the_first_page(staff_client, small_pages, alice):
    for i in range(7):
        CertificateFactory(owner=alice, name=f"issued{i}", issued=True)
    CertificateFactory(owner=alice, name="pending")
    first = staff_client.get(CHANGELIST, {"status__exact": "issued"})
    assert names_on(first) == [f"issued{i}" for i in (6, 5, 4, 3, 2)]
    assert "7 results" in first.text
    second = staff_client.get(CHANGELIST + link(first, "next"))
    assert names_on(second) == ["issued1", "issued0"]
    # The filter links and the search form carry no cursor: a new choice starts over.
    assert "after=" not in second.text.split('id="changelist-filter"')[1]
    assert 'name="after"' not in second.text


def test_the_count_stops_at_the_limit(staff_client, small_pages, alice):
    for i in range(14):
        CertificateFactory(owner=alice, primary_domain=f"www{i}.shop.example")
    found = staff_client.get(CHANGELIST, {"q": "shop"})
    assert "more than 12 results" in found.text


@pytest.mark.parametrize("cursor", ["", "bm9wZQ", "W10", "WyJ4Il0", "WzFlOTld", "%%%", "WzEsMl0"])
def test_a_forged_cursor_is_the_first_page(staff_client, small_pages, alice, cursor):
    for i in range(3):
        CertificateFactory(owner=alice, name=f"cert{i}")
    for var in ("after", "before"):
        page = staff_client.get(CHANGELIST, {var: cursor})
        assert page.status_code == 200
        assert names_on(page) == ["cert2", "cert1", "cert0"]


def admin_queries(client, url: str, **params) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return [q["sql"] for q in queries]


@pytest.mark.parametrize(
    "url",
    [
        CHANGELIST,
        "/admin/certificates/organizationreview/",
        "/admin/certificates/statechange/",
        "/admin/certificates/record/",
    ],
)
def test_no_page_counts_or_skips_every_row(staff_client, alice, url):
    """Each count is bounded (LIMIT inside), no query skips rows with OFFSET or reads every
    row for a filter's choices, and a deep page costs as many queries as the first."""
    for i in range(8):
        certificate = in_state(Status.PENDING_ORG_VERIFICATION, owner=alice, name=f"c{i}")
        Certificate.objects.filter(pk=certificate.pk).update(domains_verified_at=timezone.now())
        if i % 2:
            certificate.run_transition("reject", by=None, reason="Not found.")
    first = admin_queries(staff_client, url)
    for sql in first:
        assert "OFFSET" not in sql.upper()
        assert "DISTINCT" not in sql.upper(), sql  # a filter's choices read from every row
        if "COUNT(" in sql.upper():
            assert "LIMIT" in sql.upper(), sql
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CertificateAdmin, "list_per_page", 2)
        patch.setattr(AuditListAdmin, "list_per_page", 2)
        page = staff_client.get(url)
        following = link(page, "next")
        assert following, "two pages wanted"
        deep = admin_queries(staff_client, url + following)
    # The deep page adds the bounded count of the rows before it (its "3–4 of" place).
    assert len(deep) <= len(first) + 1


def test_the_review_queue_is_oldest_first_in_pages(staff_client, small_pages, alice):
    for i in range(7):
        certificate = in_state(Status.PENDING_ORG_VERIFICATION, owner=alice, name=f"org{i}")
        Certificate.objects.filter(pk=certificate.pk).update(
            domains_verified_at=timezone.now() - timezone.timedelta(hours=10 - i)
        )
    queue = "/admin/certificates/organizationreview/"
    first = staff_client.get(queue)
    assert names_on(first) == [f"org{i}" for i in range(5)]
    assert names_on(staff_client.get(queue + link(first, "next"))) == ["org5", "org6"]


def test_the_log_and_the_records_are_searched_by_the_consoles_keys(staff_client, alice):
    bob = UserFactory(username="bob")
    shop = CertificateFactory(owner=alice, primary_domain="www.acme-shop.com")
    blog = CertificateFactory(owner=bob, primary_domain="blog.example.org")
    for certificate, by in ((shop, alice), (blog, bob)):
        certificate.run_transition("submit", by=by)
    logs = "/admin/certificates/statechange/"
    found = staff_client.get(logs, {"q": "shop"})
    assert f">{shop.name}<" in found.text and f">{blog.name}<" not in found.text
    by_user = staff_client.get(logs, {"q": "BOB"})
    assert f">{blog.name}<" in by_user.text and f">{shop.name}<" not in by_user.text
    assert StateChange.objects.count() == 2

    records = "/admin/certificates/record/"
    assert Record.objects.filter(certificate=shop).exists()
    found = staff_client.get(records, {"q": "acme-shop"})
    assert shop.name in found.text and blog.name not in found.text
    by_team = staff_client.get(records, {"q": blog.team.name})
    assert blog.name in by_team.text
    by_id = staff_client.get(records, {"q": str(shop.pk)})
    assert shop.name in by_id.text and blog.name not in by_id.text
    submitted = staff_client.get(records, {"action": "submit", "q": "acme-shop"})
    assert shop.name in submitted.text
    assert shop.name not in staff_client.get(records, {"action": "download"}).text
    assert f">{shop.name}<" in staff_client.get(logs, {"action": "submit"}).text
    assert f">{shop.name}<" not in staff_client.get(logs, {"action": "issue"}).text


def test_a_sort_asked_for_in_the_address_is_not_taken(staff_client, small_pages, alice):
    """The admin's lists keep the one order their index keeps: ?o= (a column's sort, which
    the stock admin reads even with no sortable column) would order by what the cursor does
    not follow."""
    made = [CertificateFactory(owner=alice, name=f"cert{i:02}") for i in range(7)]
    page = staff_client.get(CHANGELIST, {"o": "2"})
    assert names_on(page) == [c.name for c in reversed(made)][:5]
    assert "o=" not in link(page, "next")
    assert 'class="first"' not in page.text  # the first page offers no way to itself
    assert 'class="first"' not in staff_client.get(CHANGELIST, {"after": "bm9wZQ"}).text
    assert 'class="first"' in staff_client.get(CHANGELIST + link(page, "next")).text

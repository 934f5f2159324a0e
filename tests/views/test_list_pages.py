"""The list's pages and polls: keyset pages that show every row once while rows come and
change, a count that stops at its bound, and one poll of the whole table body that answers
204 while nothing changed, at a constant number of queries."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.choices import Status
from certificates.models import Certificate
from teams.roles import Role
from tests.factories import (
    CertificateFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    in_state,
    team_of,
)
from tests.support.pages import LIST, row_ids


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return LIST + found.group(1).replace("&amp;", "&") if found else None  # "?after=…"


def walk(client, url: str = LIST) -> list[list[int]]:
    """Follow the Next links from the first page to the last; the ids on each page."""
    pages = []
    while url:
        html = client.get(url).text
        pages.append(row_ids(html))
        url = link(html, "next")
    return pages


def test_pagination_shows_every_row_once(alice_client, alice, settings):
    settings.SCM_PAGE_SIZE = 3
    created = [CertificateFactory(owner=alice).pk for _ in range(7)]
    pages = walk(alice_client)
    assert pages == [created[6:3:-1], created[3:0:-1], created[:1]]
    first = alice_client.get(LIST).text
    assert "1–3 of 7" in first
    second = alice_client.get(link(first, "next")).text
    assert "4–6 of 7" in second
    assert "7–7 of 7" in alice_client.get(link(second, "next")).text


def test_previous_goes_back_to_the_same_rows(alice_client, alice, settings):
    settings.SCM_PAGE_SIZE = 3
    for _ in range(8):
        CertificateFactory(owner=alice)
    first = alice_client.get(LIST).text
    second = alice_client.get(link(first, "next")).text
    third = alice_client.get(link(second, "next")).text
    back = alice_client.get(link(third, "prev")).text
    assert row_ids(back) == row_ids(second)
    assert row_ids(alice_client.get(link(back, "prev")).text) == row_ids(first)
    assert link(first, "prev") is None


@pytest.mark.parametrize("sort", ["created", "updated", "expiry", "status"])
def test_every_sort_pages_through_every_row_once(alice_client, alice, settings, sort):
    settings.SCM_PAGE_SIZE = 4
    now = timezone.now()
    created = set()
    for index in range(11):
        certificate = in_state(list(Status)[index % 10], owner=alice)
        if index % 3 == 0:
            Certificate.objects.filter(pk=certificate.pk).update(
                not_after=now + dt.timedelta(days=index)
            )
        created.add(certificate.pk)
    pages = walk(alice_client, f"{LIST}?sort={sort}")
    ids = [pk for page in pages for pk in page]
    assert sorted(ids) == sorted(created)
    assert len(ids) == len(set(ids))


def test_pages_stay_correct_while_rows_are_added_and_change_state(
    alice_client, alice, staff, settings
):
    settings.SCM_PAGE_SIZE = 3
    existing = [CertificateFactory(owner=alice, domain=True).pk for _ in range(9)]
    seen, url = [], LIST
    while url:
        html = alice_client.get(url).text
        seen += row_ids(html)
        # Between two page loads, new certificates are bought and others move on.
        CertificateFactory(owner=alice)
        moving = Certificate.objects.filter(
            pk__in=existing, status=Status.PENDING_DOMAIN_VERIFICATION
        )
        if changed := moving.first():
            changed.run_transition("verify_domains", by=None)
        url = link(html, "next")
    assert sorted(seen) == sorted(existing)  # no duplicates, no gaps


def test_count_stops_at_a_bound(alice_client, alice, settings, monkeypatch):
    """A search is counted no further than the bound; the whole list, or one state, is
    counted exactly from the counts the database keeps (models/stats.py), at no cost."""
    from certificates import pagination

    monkeypatch.setattr(pagination, "COUNT_LIMIT", 5)
    settings.SCM_PAGE_SIZE = 3
    for i in range(10):
        CertificateFactory(owner=alice, primary_domain=f"www{i}.shop.example")
    CertificateFactory(owner=alice, deleted=True, primary_domain="gone.shop.example")
    searched = LIST + "?q=shop"
    first = alice_client.get(searched).text
    assert "1–3 of more than 5" in first
    second = alice_client.get(link(first, "next")).text
    assert "4–6 of more than 5" in second
    third = alice_client.get(link(second, "next")).text
    assert "3 past the first 5" in third  # no count runs past the bound

    whole = alice_client.get(LIST).text
    assert "1–3 of 10" in whole
    deep = alice_client.get(link(alice_client.get(link(whole, "next")).text, "next")).text
    assert "3 past the first 5 of 10" in deep
    assert "1–3 of 10" in alice_client.get(LIST + "?status=pending_application").text
    assert "data-position></span>" in alice_client.get(LIST + "?status=issued").text


def test_htmx_request_gets_only_the_rows_partial(alice_client, alice, htmx_headers):
    CertificateFactory(owner=alice, domain=True)
    full = alice_client.get(LIST)
    partial = alice_client.get(LIST, headers=htmx_headers)
    assert "<html" in full.text and "<html" not in partial.text
    assert partial.text.strip().startswith('<tbody id="certificate-rows"')
    assert "HX-Request" in full["Vary"] and "HX-Request" in partial["Vary"]


def poll_url(html: str) -> str:
    return re.search(r'hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")


def test_unchanged_poll_is_204_and_a_change_returns_the_rows(
    alice_client, alice, staff, htmx_headers
):
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    url = poll_url(alice_client.get(LIST).text)

    unchanged = alice_client.get(url, headers=htmx_headers)
    assert unchanged.status_code == 204
    assert unchanged.content == b""

    certificate.run_transition("verify_organization", by=staff)
    changed = alice_client.get(url, headers=htmx_headers)
    assert changed.status_code == 200
    assert 'aria-valuenow="90"' in changed.text
    assert poll_url(changed.text) != url  # the next poll compares against the new rows


def test_polling_stops_when_nothing_is_in_progress(alice_client, alice, staff, htmx_headers):
    certificate = CertificateFactory(owner=alice, ready=True)
    page = alice_client.get(LIST).text
    assert 'hx-trigger="every 300ms"' in page
    url = poll_url(page)

    certificate.run_transition("issue", by=staff)
    last = alice_client.get(url, headers=htmx_headers)

    assert last.status_code == 200
    assert 'data-status="issued"' in last.text
    assert "hx-trigger" not in last.text


def test_page_without_rows_in_progress_does_not_poll(alice_client, alice):
    CertificateFactory(owner=alice, issued=True)
    CertificateFactory(owner=alice)
    assert "hx-trigger" not in alice_client.get(LIST).text


def test_poll_interval_is_a_setting(alice_client, alice, settings):
    settings.SCM_POLL_INTERVAL = 7
    CertificateFactory(owner=alice, domain=True)
    assert 'hx-trigger="every 7000ms"' in alice_client.get(LIST).text


def count_queries(client, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(*args, **kwargs).status_code in (200, 204)
    return len(queries)


def test_list_costs_the_same_queries_for_1_and_50_rows(alice_client, alice, settings):
    settings.SCM_PAGE_SIZE = 50
    CertificateFactory(owner=alice, domains=["a.example.com"])
    one = count_queries(alice_client, LIST)
    for index in range(47):
        in_state(list(Status)[index % 10], owner=alice, domains=[f"x{index}.example.com"])
    # A complete OV application (its submit condition reads the contacts and organization)
    # and an issued certificate with its PEM stored.
    CertificateFactory(owner=alice, ov=True, organization=OrganizationFactory(owner=alice))
    CertificateFactory(owner=alice, issued=True, certificate_pem="-----BEGIN CERTIFICATE-----")
    assert Certificate.objects.of_team(team_of(alice).pk, alice.pk).count() == 50
    assert count_queries(alice_client, LIST) == one
    # session, user, count, rows
    assert one == 4


def test_poll_costs_the_same_queries_for_1_and_50_rows(alice_client, alice, settings, htmx_headers):
    settings.SCM_PAGE_SIZE = 50
    CertificateFactory(owner=alice, domain=True)

    def costs() -> tuple[int, int]:
        url = poll_url(alice_client.get(LIST).text)
        unchanged = count_queries(alice_client, url, headers=htmx_headers)
        changed = count_queries(alice_client, LIST, {"fp": "stale"}, headers=htmx_headers)
        return unchanged, changed

    one = costs()
    for _ in range(49):
        CertificateFactory(owner=alice, domain=True)
    assert costs() == one
    # session, user, the page's (id, status, updated) — and, when it changed, the rows
    assert one == (3, 4)


def test_poll_after_the_session_ended_redirects_the_whole_page(db, client, htmx_headers):
    response = client.get(LIST, {"fp": "x"}, headers=htmx_headers)
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/accounts/login/?next={LIST}%3Ffp%3Dx"


def operations_of(html: str, pk: int) -> list[str]:
    row = html.split(f'data-certificate-id="{pk}"')[1].split("</tr>")[0]
    return re.findall(r">([^<]+)</a>", row.split('class="operations"')[1])


def test_kept_rows_follow_the_row_and_the_viewer(alice_client, alice, client):
    """Rows are kept as HTML between page loads (views/lists.py): a row that changed, or
    another member's role, never gets the HTML kept for someone or something else."""
    certificate = CertificateFactory(owner=alice)
    assert 'data-status="pending_application"' in alice_client.get(LIST).text
    certificate.run_transition("submit", by=alice)
    again = alice_client.get(LIST).text
    assert 'data-status="pending_domain_verification"' in again
    assert "Pending domain name verification" in again
    reader = UserFactory()
    MembershipFactory(team=certificate.team, user=reader, role=Role.READ_ONLY)
    client.force_login(reader)
    theirs = client.get(LIST).text
    assert operations_of(theirs, certificate.pk) == ["Details"]
    assert len(operations_of(again, certificate.pk)) > 1


def test_a_search_is_counted_from_its_keys_once_per_certificate(alice_client, alice, bob):
    """A search alone is counted from the search keys (views/lists._total): each certificate
    once, however many of its keys match; deleted ones and other teams' never."""
    for i in range(3):
        CertificateFactory(owner=alice, name=f"shop {i}", primary_domain=f"shop{i}.example")
    CertificateFactory(owner=alice, deleted=True, primary_domain="shop-gone.example")
    CertificateFactory(owner=bob, primary_domain="shop.bob.example")
    page = alice_client.get(LIST + "?q=shop").text
    assert "1–3 of 3" in page
    assert len(row_ids(page)) == 3
    assert "1–3 of 3" in alice_client.get(LIST + "?q=shop&status=pending_application").text


def test_an_old_numbered_page_link_gets_the_first_page_and_says_so(alice_client, alice, settings):
    """Found by a first-time user: ?page=2 was silently ignored (pages go by ?after=)."""
    settings.SCM_PAGE_SIZE = 3
    created = [CertificateFactory(owner=alice).pk for _ in range(5)]
    reply = alice_client.get(f"{LIST}?page=2&sort=updated")
    assert reply.status_code == 302
    assert reply.url == f"{LIST}?sort=updated"
    first = alice_client.get(reply.url).text
    assert "Pages have no numbers here: this is the first page" in first
    assert row_ids(first) == created[:1:-1]
    assert alice_client.get(f"{LIST}?page=1").url == LIST
    assert "Pages have no numbers" not in alice_client.get(LIST).text


def test_an_old_page_link_with_a_query_too_long_to_send_back_gets_the_plain_first_page(
    alice_client, alice
):
    """Found by the hostile suite: Django refuses to redirect past 16 KB (a 400)."""
    reply = alice_client.get(LIST, {"page": "2", "q": "ü" * 2000})
    assert reply.status_code == 302 and reply.url == LIST
    assert alice_client.get(reply.url).status_code == 200

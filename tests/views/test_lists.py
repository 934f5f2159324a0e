import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.choices import Status
from certificates.models import Certificate
from tests.factories import CertificateFactory, OrganizationFactory, in_state

LIST = "/certificates/"


def row_ids(response_or_html) -> list[int]:
    html = getattr(response_or_html, "text", response_or_html)
    return [int(i) for i in re.findall(r'<tr data-certificate-id="(\d+)"', html)]


def test_root_redirects_to_the_list(alice_client):
    assert alice_client.get("/").url == LIST


def test_anonymous_user_goes_to_login(db, client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={LIST}"


def test_owner_sees_only_own_certificates(alice_client, alice, bob):
    mine = CertificateFactory(owner=alice)
    CertificateFactory(owner=bob)
    assert row_ids(alice_client.get(LIST)) == [mine.pk]


def test_deleted_certificates_are_not_listed(alice_client, alice):
    CertificateFactory(owner=alice, deleted=True)
    assert row_ids(alice_client.get(LIST)) == []


def test_post_is_not_allowed(alice_client):
    assert alice_client.post(LIST).status_code == 405


@pytest.mark.parametrize("status", [s for s in Status if s != Status.DELETED])
def test_row_follows_the_markup_contract(alice_client, alice, status):
    certificate = in_state(status, owner=alice)
    html = alice_client.get(LIST).text
    assert f'<tr data-certificate-id="{certificate.pk}" data-status="{status}">' in html
    assert Status(status).label in html
    if status.progress is None:
        assert 'role="progressbar"' not in html
    else:
        assert f'aria-valuenow="{status.progress}"' in html
        assert 'role="progressbar"' in html


def test_operations_are_only_those_the_state_allows(alice_client, alice):
    issued = CertificateFactory(owner=alice, issued=True)
    failed = CertificateFactory(owner=alice, failed=True)
    html = alice_client.get(LIST).text
    assert f"/certificates/{issued.pk}/revoke/" in html
    assert f"/certificates/{issued.pk}/delete/" not in html
    assert f"/certificates/{failed.pk}/edit/" in html
    assert f"/certificates/{failed.pk}/delete/" in html
    assert f"/certificates/{failed.pk}/withdraw/" not in html


def test_a_row_counts_the_domains_beyond_the_primary_one(alice_client, alice):
    several = CertificateFactory(owner=alice, domains=["a.example.com", "b.example.com"])
    CertificateFactory(owner=alice, primary_domain="only.example.com")
    several.set_domains("www.example.com", ["a.example.com", "b.example.com", "c.example.com"])
    html = alice_client.get(LIST).text
    rows = re.findall(r'<tr data-certificate-id="\d+".*?</tr>', html, re.S)
    assert len(rows) == 2
    assert [row.count("more</div>") for row in rows] == [0, 1]  # newest first
    assert "+3 more" in rows[1]


def test_row_context_failure_reason_manual_review_and_expiry(alice_client, alice):
    CertificateFactory(owner=alice, failed=True, failure_reason="Domain not under your control.")
    CertificateFactory(owner=alice, domain=True, manual_review=True)
    CertificateFactory(
        owner=alice, issued=True, not_after=timezone.now() + dt.timedelta(days=12, hours=1)
    )
    html = alice_client.get(LIST).text
    assert "Domain not under your control." in html
    assert "Manual review — this can take longer" in html
    assert "Expires in 12 days" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("traits", "notes"),
    [
        (
            {"failed": True, "failure_reason": "No <b>TXT</b>"},
            [("failure", "No <b>TXT</b>", "error")],
        ),
        ({"withdrawing": True}, [("withdrawing", "The CA is stopping verification", "")]),
        ({"revoking": True}, [("revoking", "You asked: Key lost.", "")]),
        (
            {"issued": True, "not_after": dt.timedelta(hours=5)},
            [("expiry", "Expires today", "warn")],
        ),
        (
            {"issued": True, "not_after": dt.timedelta(days=1, hours=1)},
            [("expiry", "Expires in 1 day", "warn")],
        ),
        ({"issued": True}, []),
        ({}, []),
    ],
)
def test_status_notes_say_why_a_certificate_waits_failed_or_runs_out(traits, notes):
    if isinstance(traits.get("not_after"), dt.timedelta):
        traits = {**traits, "not_after": timezone.now() + traits["not_after"]}
    assert CertificateFactory(**traits).status_notes() == notes


def test_status_notes_are_escaped_in_the_row(alice_client, alice):
    CertificateFactory(owner=alice, failed=True, failure_reason="No <b>TXT</b> record")
    html = alice_client.get(LIST).text
    assert (
        '<span class="note error" data-note="failure">No &lt;b&gt;TXT&lt;/b&gt; record</span>'
        in html
    )


def test_tabs_split_ssl_and_test_certificates(alice_client, alice):
    ssl = CertificateFactory(owner=alice)
    test = CertificateFactory(owner=alice, is_test=True)
    assert set(row_ids(alice_client.get(LIST))) == {ssl.pk, test.pk}
    assert row_ids(alice_client.get(LIST, {"tab": "ssl"})) == [ssl.pk]
    assert row_ids(alice_client.get(LIST, {"tab": "test"})) == [test.pk]


def test_status_filter(alice_client, alice):
    issued = CertificateFactory(owner=alice, issued=True)
    CertificateFactory(owner=alice)
    assert row_ids(alice_client.get(LIST, {"status": "issued"})) == [issued.pk]


def test_search_by_name_primary_or_additional_domain(alice_client, alice, bob):
    by_name = CertificateFactory(owner=alice, name="payroll-frontend")
    by_extra = CertificateFactory(owner=alice, domains=["api.shop.example.org"])
    CertificateFactory(owner=alice, primary_domain="other.example.com")
    CertificateFactory(owner=bob, name="payroll-bob", primary_domain="api.shop.example.org")

    assert row_ids(alice_client.get(LIST, {"q": "PAYROLL"})) == [by_name.pk]
    assert row_ids(alice_client.get(LIST, {"q": "shop.example"})) == [by_extra.pk]


def test_sort_by_expiry_puts_soonest_first_and_unissued_last(alice_client, alice):
    now = timezone.now()
    late = CertificateFactory(owner=alice, issued=True, not_after=now + dt.timedelta(days=90))
    soon = CertificateFactory(owner=alice, issued=True, not_after=now + dt.timedelta(days=9))
    pending = CertificateFactory(owner=alice)
    assert row_ids(alice_client.get(LIST, {"sort": "expiry"})) == [soon.pk, late.pk, pending.pk]


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
    from certificates import pagination

    monkeypatch.setattr(pagination, "COUNT_LIMIT", 5)
    settings.SCM_PAGE_SIZE = 3
    for _ in range(10):
        CertificateFactory(owner=alice)
    first = alice_client.get(LIST).text
    assert "1–3 of more than 5" in first
    second = alice_client.get(link(first, "next")).text
    assert "4–6 of more than 5" in second
    third = alice_client.get(link(second, "next")).text
    assert "3 past the first 5" in third  # no count runs past the bound


def test_search_finds_the_id_shown_beside_the_name(alice_client, alice, bob):
    wanted = CertificateFactory(owner=alice, primary_domain="shop.example.com")
    CertificateFactory(owner=alice, primary_domain="blog.example.com")
    theirs = CertificateFactory(owner=bob)
    for typed in (str(wanted.pk), f"ID {wanted.pk}", f"id{wanted.pk}"):
        assert row_ids(alice_client.get(LIST, {"q": typed}).text) == [wanted.pk]
    assert row_ids(alice_client.get(LIST, {"q": str(theirs.pk)}).text) == []


@pytest.mark.parametrize(
    ("tab", "query", "said"),
    [
        (
            "test",
            {},
            'No test certificates yet. <a href="/certificates/buy/?tab=test">'
            "Get a free one: 20 left</a>",
        ),
        ("ssl", {}, 'No SSL certificates yet. <a href="/certificates/buy/">Buy one</a>'),
        ("all", {"q": "nothing-like-this"}, "No certificates match these filters."),
    ],
)
def test_an_empty_tab_says_what_to_do(alice_client, alice, tab, query, said):
    html = alice_client.get(LIST, {"tab": tab, **query}).text
    assert said in html
    assert ">Filter</button>" in html  # not "Apply", which is a row's action


@pytest.mark.parametrize(
    "query",
    [
        {"after": "abc"},
        {"before": "-4"},
        {"after": "W1sxXV0"},
        {"after": "x" * 600},
        {"sort": "drop table"},
        {"tab": "x"},
        {"status": "nonsense"},
        {"q": "x" * 1000},
    ],
)
def test_malformed_query_falls_back_to_defaults(alice_client, alice, query):
    certificate = CertificateFactory(owner=alice)
    response = alice_client.get(LIST, query)
    assert response.status_code == 200
    assert row_ids(response) == [certificate.pk] or "q" in query


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
    assert Certificate.objects.for_user(alice).count() == 50
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


def test_sort_by_status_follows_the_workflow(alice_client, alice):
    issued = CertificateFactory(owner=alice, issued=True)
    failed = CertificateFactory(owner=alice, failed=True)
    pending = CertificateFactory(owner=alice)
    org = CertificateFactory(owner=alice, ov=True, org=True)
    assert row_ids(alice_client.get(LIST, {"sort": "status"})) == [
        pending.pk,
        org.pk,
        issued.pk,
        failed.pk,
    ]


def test_poll_after_the_session_ended_redirects_the_whole_page(db, client, htmx_headers):
    response = client.get(LIST, {"fp": "x"}, headers=htmx_headers)
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/accounts/login/?next={LIST}%3Ffp%3Dx"


@pytest.mark.parametrize("sort", ["created", "updated", "expiry", "status"])
def test_a_poll_reads_exactly_the_rows_of_the_page_it_came_from(alice, sort):
    from certificates import pagination
    from certificates.views.lists import stamp

    for index in range(7):
        CertificateFactory(owner=alice, issued=index % 2 == 0)
    mine = Certificate.objects.for_user(alice)
    first = pagination.page(mine, sort, 3)
    second = pagination.page(mine, sort, 3, after=first.next_cursor)
    back = pagination.page(mine, sort, 3, before=second.previous_cursor)
    short_back = pagination.page(mine, sort, 3, before=pagination.encode(first.rows[1], sort))
    for page, where in [
        (first, {}),
        (second, {"after": first.next_cursor}),
        (back, {"before": second.previous_cursor}),
        (short_back, {"before": pagination.encode(first.rows[1], sort)}),
    ]:
        expected = [(c.pk, c.status, stamp(c.updated_at)) for c in page.rows]
        states = pagination.page_states(mine, sort, 3, **where)
        assert [(pk, status, stamp(at)) for pk, status, at in states] == expected


@pytest.mark.parametrize("prefix", ["/", "/console/"])
def test_row_links_are_what_reverse_gives(prefix):
    from django.urls import get_script_prefix, reverse, set_script_prefix

    from certificates.actions import OWNER_ACTIONS
    from certificates.views.lists import _PagePaths

    before = get_script_prefix()
    set_script_prefix(prefix)
    try:
        path = _PagePaths()
        for slug in ["detail", "apply", "renew", *OWNER_ACTIONS]:
            for pk in (1, 987654321):
                name = f"certificates:{slug}"
                assert path(name, pk) == reverse(name, args=[pk])
    finally:
        set_script_prefix(before)


def test_expiry_shows_the_local_date_with_the_exact_time_for_machines(
    alice_client, alice, settings
):
    settings.TIME_ZONE = "Asia/Tokyo"  # 2027-03-01 20:30 UTC is March 2 there
    moment = dt.datetime(2027, 3, 1, 20, 30, tzinfo=dt.UTC)
    CertificateFactory(owner=alice, issued=True, not_after=moment)
    html = alice_client.get(LIST).text
    assert f'<time datetime="{moment.isoformat()}">2027-03-02</time>' in html

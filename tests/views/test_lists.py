"""The management list (SPEC §7): who sees which rows, the markup contract, what each row
says, tabs, filters, search, sort and the row links."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from certificates.choices import Status
from certificates.models.presenter import status_notes
from tests.factories import CertificateFactory, in_state
from tests.support.pages import LIST, row_ids


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
    assert str(Status(status).label) in html
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
    assert status_notes(CertificateFactory(**traits)) == notes


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

"""The list's search: by the start of a name, a domain, or any word or label in them, from
one index range whatever the size of the table."""

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from certificates import prefixes
from certificates.models import Certificate, SearchKey
from certificates.services.purchases import Purchase, buy
from tests.factories import CertificateFactory, team_of
from tests.support.pages import LIST, row_ids


def test_keys_are_every_start_of_a_word_or_label():
    assert prefixes.starts("www.acme-shop.example.com") == [
        "www.acme-shop.example.com",
        "acme-shop.example.com",
        "shop.example.com",
        "example.com",
        "com",
    ]
    assert prefixes.starts("  Payments   API  (prod) ") == [
        "payments api (prod)",
        "api (prod)",
        "prod)",
    ]
    assert prefixes.starts("*.example.org") == ["*.example.org", "example.org", "org"]


def test_terms_are_trimmed_and_case_folded():
    assert prefixes.normalize("  Shop.EXAMPLE.com ") == "shop.example.com"
    assert prefixes.normalize("Straße  Nord") == "strasse nord"


def test_an_internationalised_domain_has_keys_in_both_forms():
    keys = prefixes.keys_for("n", ["xn--bcher-kva.example"])
    assert {"bücher.example", "xn--bcher-kva.example", "example"} <= keys


@given(st.text(max_size=300))
def test_every_key_starts_with_what_a_search_for_it_looks_for(text):
    """Whatever the text, a search for any of its keys' starts finds it (the range holds)."""
    for key in prefixes.starts(text):
        lookups = prefixes.key_range(key[:5])
        assert lookups["key__gte"] <= key < lookups["key__lt"]


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("acme-shop.example.com", True),
        ("example.com", True),
        ("shop", True),
        ("ACME", True),
        ("www.acme", True),
        ("payroll", True),
        ("frontend", True),
        ("hop", False),  # inside a label
        ("xample", False),
        ("example.org", False),
    ],
)
def test_what_a_search_finds(alice_client, alice, term, found):
    certificate = CertificateFactory(
        owner=alice, name="payroll-frontend", domains=["www.acme-shop.example.com"]
    )
    assert row_ids(alice_client.get(LIST, {"q": term})) == ([certificate.pk] if found else [])


def test_an_internationalised_domain_is_found_by_its_unicode_or_ascii_form(alice_client, alice):
    certificate = CertificateFactory(owner=alice, primary_domain="xn--bcher-kva.example")
    assert row_ids(alice_client.get(LIST, {"q": "bü"})) == [certificate.pk]
    assert row_ids(alice_client.get(LIST, {"q": "BÜCHER.example"})) == [certificate.pk]
    assert row_ids(alice_client.get(LIST, {"q": "xn--bcher"})) == [certificate.pk]


def test_keys_follow_renames_and_new_domains(alice_client, alice):
    certificate = CertificateFactory(owner=alice, name="old-name", primary_domain="a.example")
    certificate.rename("Billing gateway", by=alice)
    certificate.set_domains("b.example", ["c.example"])

    assert row_ids(alice_client.get(LIST, {"q": "gateway"})) == [certificate.pk]
    assert row_ids(alice_client.get(LIST, {"q": "c.example"})) == [certificate.pk]
    assert row_ids(alice_client.get(LIST, {"q": "old"})) == []
    assert row_ids(alice_client.get(LIST, {"q": "a.example"})) == []


def test_bought_certificates_are_found_by_their_default_names(alice_client, alice):
    bought = buy(team_of(alice), alice, Purchase("dv", "aurora", "single", "rsa_2048", quantity=3))
    assert set(row_ids(alice_client.get(LIST, {"q": bought[0].name}))) == {bought[0].pk}
    assert set(row_ids(alice_client.get(LIST, {"q": "scs"}))) == {c.pk for c in bought}


def test_a_search_never_finds_another_teams_certificates(alice_client, alice, bob):
    CertificateFactory(owner=bob, name="shared-word", primary_domain="shop.example.com")
    mine = CertificateFactory(owner=alice, name="shared-word")
    assert row_ids(alice_client.get(LIST, {"q": "shop.example.com"})) == []
    assert row_ids(alice_client.get(LIST, {"q": "shared"})) == [mine.pk]


def test_deleting_a_certificate_row_removes_its_keys(alice):
    certificate = CertificateFactory(owner=alice, primary_domain="gone.example")
    assert SearchKey.objects.filter(certificate=certificate).exists()
    Certificate.objects.filter(pk=certificate.pk).delete()
    assert not SearchKey.objects.filter(certificate_id=certificate.pk).exists()


@pytest.mark.parametrize(("team", "index"), [(True, "search_team_key"), (False, "search_key")])
def test_a_search_is_a_range_scan_of_the_key_index(alice, bob, team, index):
    CertificateFactory(owner=alice, primary_domain="api.example.org")
    # Other teams' keys in the same range, as in any real table: then searching one
    # team's keys through the (key) index would read and drop all of theirs.
    theirs = CertificateFactory(owner=bob, primary_domain="bob.example.net")
    SearchKey.objects.bulk_create(
        SearchKey(team=theirs.team, certificate=theirs, key=f"example.org-{n}") for n in range(300)
    )
    keys = SearchKey.matching("example.org", team_of(alice) if team else None)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE certificates_searchkey")  # statistics, as a real table has
            cursor.execute("SET LOCAL enable_seqscan = off")  # a small table would be scanned
        else:
            cursor.execute("ANALYZE")
        plan = keys.explain()
    assert index in plan, plan

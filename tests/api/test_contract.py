"""The API's list and the console's list are one list (SPEC §10): the same certificates in
the same order for every sort, filter and search, page after page."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from certificates.choices import Status
from tests.factories import CertificateFactory
from tests.support.pages import row_ids

SORTS = [
    ("created", ""),
    ("updated", "certUpdateTime"),
    ("expiry", "certExpiredTime"),
    ("status", "certStatus"),
]
STATES = [
    Status.ISSUED,
    Status.PENDING_DOMAIN_VERIFICATION,
    Status.EXPIRED,
    Status.PENDING_APPLICATION,
    Status.TO_BE_ISSUED,
    Status.REVOKED,
]


@pytest.fixture
def many(alice):
    now = timezone.now()
    for n, state in zip(range(45), itertools.cycle(STATES)):
        ends = now + dt.timedelta(days=(n * 37) % 200) if state == Status.ISSUED else None
        CertificateFactory(
            owner=alice, status=state, not_after=ends, primary_domain=f"host{n}.shop.example"
        )


def console_pages(client, query: dict) -> list[int]:
    ids, url, params = [], "/certificates/", dict(query)
    while True:
        page = client.get(url, params)
        ids += row_ids(page)
        found = page.text.split('rel="next"')
        if len(found) == 1:
            return ids
        link = found[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
        url, params = "/certificates/" + link, {}


def api_pages(api, query: dict) -> list[int]:
    ids, cursor = [], ""
    while True:
        page = api.get("/v3/scm/certificates", {**query, "limit": 20, "cursor": cursor}).json()
        ids += [row["id"] for row in page["certificates"]]
        if not (cursor := page["next_cursor"]):
            return ids


@pytest.mark.parametrize(("sort", "sort_key"), SORTS)
@pytest.mark.parametrize(
    ("console", "api_query"),
    [
        ({}, {}),
        ({"status": Status.ISSUED}, {"status": "ISSUED"}),
        ({"q": "shop"}, {"search": "shop"}),
    ],
)
def test_the_api_and_the_console_list_the_same_rows_in_the_same_order(
    many, alice_client, api, sort, sort_key, console, api_query
):
    shown = console_pages(alice_client, {"sort": sort, **console})
    listed = api_pages(api, {**({"sort_key": sort_key} if sort_key else {}), **api_query})
    assert shown and listed == shown

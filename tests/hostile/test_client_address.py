"""The client's address comes from X-Forwarded-For only through SCM_TRUSTED_PROXIES proxies,
and login limits count by it: per username and address (axes), and per address across
usernames, so that one password tried on many accounts (spraying) is locked out too."""

import datetime as dt

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.utils import timezone

from scm_console.client_address import client_address
from tests.factories import UserFactory

PROXY = "10.0.0.2"


def address(settings, proxies: int, forwarded: str | None, remote: str = PROXY) -> str:
    settings.SCM_TRUSTED_PROXIES = proxies
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, PROXY),
        (0, "203.0.113.9", PROXY),  # no proxy trusted: the header is the client's own words
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the client wrote the first one
        (1, " 198.51.100.1 ,203.0.113.9 ", "203.0.113.9"),
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "203.0.113.9", PROXY),  # fewer hops than proxies: not through all of them
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "203.0.113.9:443", PROXY),
    ],
)
def test_the_client_address_believes_only_the_trusted_proxies(
    settings, proxies, forwarded, expected
):
    assert address(settings, proxies, forwarded) == expected


def login(client: Client, username: str, password: str, path="/accounts/login/", **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def test_spraying_twenty_usernames_from_one_address_locks_that_address(db, settings):
    settings.SCM_LOGIN_FAILURES_PER_ADDRESS = 20
    UserFactory(username="zoe", password="right-horse-battery")
    sprayer, elsewhere = Client(REMOTE_ADDR="203.0.113.9"), Client(REMOTE_ADDR="198.51.100.7")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(19):
            # One guess per account: the per-username limit (5) never comes near.
            assert login(sprayer, f"user{n}", "Summer2026!").status_code == 200
        assert login(sprayer, "user19", "Summer2026!").status_code == 429  # the 20th
        locked = login(sprayer, "zoe", "right-horse-battery")
        assert locked.status_code == 429
        assert "Too many failed sign-ins" in locked.text
        assert login(sprayer, "user99", "Summer2026!", path="/admin/login/").status_code == 429
        assert login(elsewhere, "zoe", "right-horse-battery").status_code == 302
        clock.shift(dt.timedelta(minutes=16))  # the cool-off (SCM_LOGIN_COOLOFF_HOURS)
        again = login(Client(REMOTE_ADDR="203.0.113.9"), "zoe", "right-horse-battery")
        assert again.status_code == 302


def test_a_few_failures_across_usernames_lock_nobody(db, settings):
    settings.SCM_LOGIN_FAILURES_PER_ADDRESS = 20
    UserFactory(username="zoe", password="right-horse-battery")
    office = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(19):
        login(office, f"user{n}", "typo")
    assert login(office, "zoe", "right-horse-battery").status_code == 302


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_escape_the_lock(db, settings):
    settings.SCM_TRUSTED_PROXIES = 0
    UserFactory(username="dora", password="right-horse-battery")
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(5):
        login(client, "dora", "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    forged = login(client, "dora", "right-horse-battery", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert forged.status_code == 429


def test_behind_a_proxy_each_client_has_its_own_lock(db, settings):
    """All requests come from the proxy's address; the proxy says whom it serves."""
    settings.SCM_TRUSTED_PROXIES = 1
    UserFactory(username="dora", password="right-horse-battery")
    proxy = Client(REMOTE_ADDR=PROXY)
    for _ in range(5):
        # The guesser writes its own X-Forwarded-For first; the proxy appends the truth.
        login(proxy, "dora", "guess", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9")
    guesser = login(proxy, "dora", "right-horse-battery", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert guesser.status_code == 429
    other = login(proxy, "dora", "right-horse-battery", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert other.status_code == 302

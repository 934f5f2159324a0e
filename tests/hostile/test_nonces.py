"""ACME nonces cost no write until they are used (HMAC-signed and time-limited; a row only
for a used one, pruned once expired), a nonce is used once however many requests race with
it, and the endpoints anyone may call are rate-limited with an ACME `rateLimited` problem."""

import base64
import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from certificates.models import AcmeNonce
from tests.support.acme_client import BASE, fresh_nonce, post_jws, register

RACERS = 8


@pytest.fixture
def web() -> Client:
    return Client()


@pytest.mark.django_db
def test_two_hundred_new_nonces_and_directories_write_no_row(web, django_assert_num_queries):
    with django_assert_num_queries(0):
        nonces = {web.head("/acme/new-nonce")["Replay-Nonce"] for _ in range(100)}
        nonces |= {web.get("/acme/new-nonce")["Replay-Nonce"] for _ in range(50)}
        nonces |= {web.get("/acme/directory")["Replay-Nonce"] for _ in range(50)}
    assert len(nonces) == 200
    assert not AcmeNonce.objects.exists()
    assert all(AcmeNonce.redeem(nonce) for nonce in nonces)  # each a real one
    assert AcmeNonce.objects.count() == 200  # a row per nonce used, not per nonce made


@pytest.mark.django_db
def test_a_nonce_is_used_once_and_only_as_written(web):
    nonce = fresh_nonce(web)
    raw = base64.urlsafe_b64decode(nonce + "=")
    # The same bytes in another spelling: the last character's unused bits set.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    respelt = nonce[:-1] + alphabet[alphabet.index(nonce[-1]) ^ 1]
    assert base64.urlsafe_b64decode(respelt + "=") == raw
    assert AcmeNonce.redeem(nonce)
    assert not AcmeNonce.redeem(nonce)
    assert not AcmeNonce.redeem(respelt)
    assert AcmeNonce.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forged",
    [
        "A" * 43,
        "",
        None,
        17,
        "not a nonce at all",
        "é" * 43,
        "A" * 44,
        "=" * 43,
    ],
)
def test_forged_nonces_are_refused_without_a_write(forged):
    assert not AcmeNonce.redeem(forged)
    assert not AcmeNonce.objects.exists()


@pytest.mark.django_db
def test_a_nonce_with_its_time_or_random_part_changed_is_refused(web):
    raw = bytearray(base64.urlsafe_b64decode(fresh_nonce(web) + "="))
    for place in (0, 3, 8, 20, 31):
        changed = raw.copy()
        changed[place] ^= 1
        assert not AcmeNonce.redeem(base64.urlsafe_b64encode(changed).decode().rstrip("="))
    assert not AcmeNonce.objects.exists()


@pytest.mark.django_db
def test_a_nonce_signed_with_another_secret_key_is_refused(web, settings):
    settings.SECRET_KEY = "another server's key, for this test only"
    elsewhere = fresh_nonce(web)
    settings.SECRET_KEY = "this server's key, for this test only"
    assert not AcmeNonce.redeem(elsewhere)
    assert AcmeNonce.redeem(fresh_nonce(web))


@pytest.mark.django_db
def test_a_nonce_expires_and_its_row_is_pruned(web):
    used, unused = fresh_nonce(web), fresh_nonce(web)
    assert AcmeNonce.redeem(used)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=59)):
        assert AcmeNonce.prune() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        assert not AcmeNonce.redeem(unused)
        assert AcmeNonce.prune() == 1
    assert not AcmeNonce.objects.exists()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        from_the_future = fresh_nonce(web)
    assert not AcmeNonce.redeem(from_the_future)


@pytest.mark.django_db(transaction=True)
def test_racing_requests_with_one_nonce_let_one_in(web):
    """Eight threads, each with its own connection, redeem the same nonce at once: the
    replay table's primary key decides, on SQLite and on PostgreSQL alike."""
    nonce = fresh_nonce(web)
    gate = threading.Barrier(RACERS)
    outcomes: list[bool] = []

    def use() -> None:
        try:
            gate.wait()
            outcomes.append(AcmeNonce.redeem(nonce))
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * (RACERS - 1) + [True]
    assert AcmeNonce.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_signed_requests_with_one_nonce_get_one_answer_and_bad_nonces(alice):
    registered = register(alice)
    kid, path = registered.account.uri, registered.account.uri.removeprefix(BASE)
    nonce = fresh_nonce(Client())
    gate = threading.Barrier(RACERS)
    statuses: list[tuple[int, str]] = []

    def post() -> None:
        try:
            gate.wait()
            answer = post_jws(Client(), path, None, registered.key, kid=kid, nonce=nonce)
            statuses.append((answer.status_code, answer.problem))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [(200, "")] + [(400, "badNonce")] * (RACERS - 1)


@pytest.mark.django_db
def test_the_anonymous_endpoints_are_rate_limited(web, settings, alice):
    settings.SCM_ACME_ANONYMOUS_PER_MINUTE = 5
    registered = register(alice)  # counted too: directory, new-nonce, newAccount
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        for _ in range(5):
            assert web.head("/acme/new-nonce").status_code == 200
        assert web.head("/acme/new-nonce").status_code == 429
        for answer in (
            web.get("/acme/new-nonce"),
            web.get("/acme/directory"),
            web.post("/acme/new-account", b"{}", content_type="application/jose+json"),
        ):
            assert answer.status_code == 429
            assert answer["Content-Type"] == "application/problem+json"
            assert answer.json()["type"] == "urn:ietf:params:acme:error:rateLimited"
            assert 1 <= int(answer["Retry-After"]) <= 60
        # An account's own requests are its own limits' (orders per hour), not these.
        mine = post_jws(
            web,
            registered.account.uri.removeprefix(BASE),
            None,
            registered.key,
            kid=registered.account.uri,
            nonce=answer["Replay-Nonce"],
        )
        assert mine.status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=4), tick=False):
        assert web.head("/acme/new-nonce").status_code == 200


ANONYMOUS = [
    ("head", "/acme/new-nonce"),
    ("get", "/acme/new-nonce"),
    ("get", "/acme/directory"),
    ("get", "/acme/nothing-here"),
    ("post", "/acme/new-account"),
    ("post", "/acme/new-order"),
    ("post", "/acme/revoke-cert"),
    ("get", "/ca/"),
    ("get", "/ca/aurora/root.pem"),
    ("get", "/ca/aurora.crl"),
    ("get", "/ocsp/bm90LWFuLW9jc3AtcmVxdWVzdA"),
    ("get", "/accounts/login/"),
    ("get", "/v3/scm/certificates"),
    ("get", "/certificates/verify-email/not-a-token/"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), ANONYMOUS)
def test_requests_anyone_may_send_write_nothing(web, method, path):
    """What a stranger can send without limit costs no database write (nonces included)
    once the first such request is answered (the CRL is re-signed once a day)."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    kwargs = {"content_type": "application/jose+json", "data": b"{}"} if method == "post" else {}
    getattr(web, method)(path, **kwargs)
    with CaptureQueriesContext(connections["default"]) as queries:
        answer = getattr(web, method)(path, **kwargs)
    assert answer.status_code < 500
    writes = [q["sql"] for q in queries if q["sql"].split(None, 1)[0].upper() in WRITES]
    assert not writes, writes


WRITES = {"INSERT", "UPDATE", "DELETE", "REPLACE"}


@pytest.mark.django_db
def test_using_nonces_prunes_the_expired_ones_now_and_then(web, monkeypatch):
    from certificates.models import acme

    old = fresh_nonce(web)
    assert AcmeNonce.redeem(old)
    monkeypatch.setattr(acme, "PRUNE_EVERY", 1)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert AcmeNonce.redeem(fresh_nonce(web))
    assert not AcmeNonce.objects.filter(value=old).exists()
    assert AcmeNonce.objects.count() == 1  # the one just used

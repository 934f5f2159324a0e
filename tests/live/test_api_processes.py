"""The API's rate limit and Idempotency-Key hold across web processes (SPEC §10): two
gunicorn servers, each with several workers, on one database; requests with one token sent
to both count against one limit, and one purchase retried on both buys once."""

import http.client
import json
import time

import pytest
from django.utils import timezone

from certificates.models import Certificate
from teams.roles import Role
from teams.tokens import create_token
from tests.factories import UserFactory, team_of
from tests.support.processes import Gunicorn, at_once

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]
LIMIT = 10


@pytest.fixture
def servers():
    running = [Gunicorn(workers=2, SCM_API_REQUESTS_PER_MINUTE=str(LIMIT)) for _ in range(2)]
    yield running
    for server in running:
        server.stop()


def call(server: Gunicorn, raw: str, method: str = "GET", body: dict | None = None, **headers):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(
            method,
            "/v3/scm/certificates",
            json.dumps(body) if body is not None else None,
            {"X-Auth-Token": raw, "Content-Type": "application/json", **headers},
        )
        reply = connection.getresponse()
        return reply.status, dict(reply.getheaders()), json.loads(reply.read() or b"null")
    finally:
        connection.close()


def in_one_minute() -> None:
    """Start early in a minute: the limit counts per minute, so a run across its end would
    count in two."""
    if timezone.now().second > 45:
        time.sleep(61 - timezone.now().second)


def test_two_processes_count_one_limit(servers):
    alice = UserFactory(username="alice")
    _, raw = create_token(team_of(alice), "ci", Role.READ_ONLY, by=alice)
    in_one_minute()
    calls = [lambda s=server: call(s, raw) for server in servers for _ in range(8)]
    answers = at_once(calls)
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] * LIMIT + [429] * (16 - LIMIT), statuses
    for status, headers, body in answers:
        if status == 429:
            assert 1 <= int(headers["Retry-After"]) <= 60
            assert body["error_code"] == "SCM.0429"


def test_a_purchase_retried_on_both_processes_is_made_once(servers):
    alice = UserFactory(username="alice")
    _, raw = create_token(team_of(alice), "ci", Role.FULL_ACCESS, by=alice)
    in_one_minute()
    buy = {"type": "DV_SSL_CERT_BASIC", "quantity": 1}
    calls = [
        lambda s=server: call(s, raw, "POST", buy, **{"Idempotency-Key": "order-42"})
        for server in servers
        for _ in range(2)
    ]
    answers = at_once(calls)
    assert Certificate.objects.count() == 1
    # Each retry waits for the first request's commit and gets its answer.
    assert [status for status, _, _ in answers] == [201] * 4, answers
    made = [body for _, _, body in answers]
    assert all(body == made[0] for body in made)
    later = call(servers[0], raw, "POST", buy, **{"Idempotency-Key": "order-42"})
    assert later[0] == 201 and later[2] == made[0]
    other = call(servers[1], raw, "POST", {**buy, "quantity": 2}, **{"Idempotency-Key": "order-42"})
    assert other[0] == 422 and "another request" in other[2]["error_msg"]

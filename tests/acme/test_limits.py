"""An ACME account's hourly limits (SPEC §11): new orders, and challenges that failed for
good; past them, `rateLimited` with Retry-After, and nothing is made."""

import pytest
from acme import challenges

from certificates.models import Certificate
from tests.support.acme_client import HOST, challenge_of, csr_for, post_jws, register, run_tasks

pytestmark = pytest.mark.django_db


def test_new_orders_per_hour_are_rate_limited(alice, web, settings):
    settings.SCM_ACME_ORDERS_PER_HOUR = 2
    client = register(alice)
    for number in range(2):
        client.acme.new_order(csr_for([f"s{number}.example.com"])[0])
    response = post_jws(
        web,
        "/acme/new-order",
        {"identifiers": [{"type": "dns", "value": "s9.example.com"}]},
        client.key,
        kid=client.account.uri,
    )
    assert (response.status_code, response.problem) == (429, "rateLimited")
    assert 3500 <= int(response["Retry-After"]) <= 3601
    assert Certificate.objects.count() == 2


def test_failed_validations_per_hour_are_rate_limited(alice, site, web, settings):
    settings.SCM_ACME_RETRY_SECONDS = 0
    settings.SCM_ACME_FAILED_VALIDATIONS_PER_HOUR = 1
    client = register(alice)
    order = client.acme.new_order(csr_for([HOST])[0])
    challenge = challenge_of(order.authorizations[0], challenges.HTTP01)
    client.acme.answer_challenge(challenge, challenge.response(client.key))
    run_tasks()  # nothing served: it fails for good
    response = post_jws(
        web,
        "/acme/new-order",
        {"identifiers": [{"type": "dns", "value": HOST}]},
        client.key,
        kid=client.account.uri,
    )
    assert response.problem == "rateLimited" and "failed" in response.json()["detail"]
    assert int(response["Retry-After"]) > 3000

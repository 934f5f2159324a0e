"""Idempotency-Key on the creating and submitting POSTs (SPEC §10): a retry gets the first
answer and buys nothing more; the same key for another request is refused; a request that
failed takes no key; a key is kept for a day. (Across processes: tests/live/.)"""

import datetime as dt

import time_machine
from django.utils import timezone

from certificates.models import Certificate, IdempotentRequest

LIST = "/v3/scm/certificates"
BUY = {"type": "DV_SSL_CERT_BASIC"}


def test_a_retried_purchase_gets_the_first_answer_and_buys_once(api):
    first = api.post(LIST, BUY, **{"Idempotency-Key": "order-1"})
    again = api.post(LIST, BUY, **{"Idempotency-Key": "order-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Certificate.objects.count() == 1
    assert api.post(LIST, BUY, **{"Idempotency-Key": "order-2"}).status_code == 201
    assert api.post(LIST, BUY).status_code == 201  # without a key: every time
    assert Certificate.objects.count() == 3


def test_the_same_key_for_another_request_is_refused(api):
    api.post(LIST, BUY, **{"Idempotency-Key": "order-1"})
    other = api.post(LIST, {**BUY, "quantity": 3}, **{"Idempotency-Key": "order-1"})
    assert other.status_code == 422 and other.json()["error_code"] == "SCM.0422"
    assert Certificate.objects.count() == 1


def test_a_failed_request_takes_no_key(api):
    bad = api.post(LIST, {"type": "NOT_A_TYPE"}, **{"Idempotency-Key": "order-1"})
    assert bad.status_code == 400 and not IdempotentRequest.objects.exists()
    fixed = api.post(LIST, {"type": "NOT_A_TYPE"}, **{"Idempotency-Key": "order-1"})
    assert fixed.status_code == 400  # the same mistake again: answered again, not replayed


def test_a_key_is_kept_for_a_day(api):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        api.post(LIST, BUY, **{"Idempotency-Key": "daily"})
        clock.shift(dt.timedelta(hours=23))
        assert api.post(LIST, BUY, **{"Idempotency-Key": "daily"}).status_code == 201
        assert Certificate.objects.count() == 1
        clock.shift(dt.timedelta(hours=2))
        api.post(LIST, BUY, **{"Idempotency-Key": "daily"})
        assert Certificate.objects.count() == 2


def test_an_overlong_key_is_a_400(api):
    answer = api.post(LIST, BUY, **{"Idempotency-Key": "k" * 201})
    assert answer.status_code == 400 and "Idempotency-Key" in answer.json()["fields"]

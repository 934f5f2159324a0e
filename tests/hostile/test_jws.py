"""Whatever an ACME client POSTs, the answer is an ACME problem document with a 4xx (or the
resource), never a 500: random and mutated JWS bodies, JSON nested thousands deep in the
document, its protected header or its payload, and any JSON payload signed properly by an
account, to every resource."""

import json

import josepy as jose
import pytest
from acme import jws as acme_jws
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.acme_client import (
    BASE,
    binding,
    csr_for,
    eab_for,
    fresh_nonce,
    jose_sign,
    new_key,
    post_jws,
    register,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def web() -> Client:
    return Client()


FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
DEEP = 15_000  # well past Python's recursion limit, well within the 64 KiB a request may be
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
PAYLOAD_KEYS = [
    "identifiers",
    "csr",
    "certificate",
    "reason",
    "contact",
    "status",
    "termsOfServiceAgreed",
    "onlyReturnExisting",
    "externalAccountBinding",
    "protected",
    "payload",
    "signature",
    "account",
    "oldKey",
]
PAYLOADS = JSON | st.dictionaries(st.sampled_from(PAYLOAD_KEYS), JSON, max_size=4)


@pytest.fixture
def account(alice, web):
    """A registered client with an order, and the paths of every resource it can reach."""
    registered = register(alice)
    order = registered.acme.new_order(csr_for(["shop.example.com"])[0])
    order_path = order.uri.removeprefix(BASE)
    authz = order.authorizations[0].uri.removeprefix(BASE)
    pk = authz.rsplit("/", 1)[1]
    account_path = registered.account.uri.removeprefix(BASE)
    registered.paths = [
        "/acme/new-order",
        "/acme/revoke-cert",
        "/acme/key-change",
        account_path,
        f"{account_path}/orders",
        order_path,
        f"{order_path}/finalize",
        authz,
        f"/acme/chall/{pk}/http-01",
        f"/acme/chall/{pk}/dns-01",
        f"/acme/cert/{order_path.rsplit('/', 1)[1]}",
    ]
    registered.read_only = [f"{account_path}/orders", order_path, registered.paths[-1]]
    return registered


def assert_problem(response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].startswith("urn:ietf:params:acme:error:")
    assert response["Replay-Nonce"]


def valid_body(web: Client, key: jose.JWK, path: str, kid: str | None) -> dict:
    return json.loads(
        jose_sign(b"{}", key, jose.ES256, fresh_nonce(web), BASE + path, kid)  # a real one
    )


def test_json_nested_thousands_deep_is_malformed(web, account):
    kid = account.account.uri
    for path in ["/acme/new-account", *account.paths]:
        signer = {} if path == "/acme/new-account" else {"kid": kid}
        deep_payload = post_jws(web, path, b"[" * DEEP + b"]" * DEEP, account.key, **signer)
        if path not in account.read_only:  # POST-as-GET resources never read a payload
            assert_problem(deep_payload)
            assert deep_payload.problem == "malformed", (path, deep_payload.json())
        deep_document = web.post(path, "[" * DEEP, content_type="application/jose+json")
        assert_problem(deep_document)
        assert "larger than" not in deep_document.json()["detail"]
        header = jose.b64encode(b"[" * DEEP + b"]" * DEEP).decode()
        deep_header = web.post(
            path,
            json.dumps({"protected": header, "payload": "", "signature": ""}),
            content_type="application/jose+json",
        )
        assert_problem(deep_header)
        assert deep_header.json()["type"].endswith(":malformed")


def inner_key_change(new: jose.JWK, payload: bytes, nonce: bytes | None) -> dict:
    return acme_jws.JWS.sign(
        payload, key=new, alg=jose.ES256, nonce=nonce, url=f"{BASE}/acme/key-change"
    ).to_json()


def test_a_key_change_with_a_nonce_in_its_inner_jws_is_malformed(web, account):
    """RFC 8555 §7.3.5: the inner JWS has no nonce (it could be replayed as an outer one)."""
    kid, new = account.account.uri, new_key()
    body = json.dumps({"account": kid, "oldKey": account.key.public_key().to_json()}).encode()
    with_nonce = inner_key_change(new, body, jose.b64decode(fresh_nonce(web)))
    refused = post_jws(web, "/acme/key-change", with_nonce, account.key, kid=kid)
    assert refused.problem == "malformed" and "nonce" in refused.json()["detail"]
    deep = inner_key_change(new, b"[" * DEEP + b"]" * DEEP, None)
    assert post_jws(web, "/acme/key-change", deep, account.key, kid=kid).problem == "malformed"
    done = post_jws(
        web, "/acme/key-change", inner_key_change(new, body, None), account.key, kid=kid
    )
    assert done.status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURES)
@given(
    body=st.binary(max_size=300)
    | st.text(max_size=300).map(str.encode)
    | JSON.map(lambda value: json.dumps(value).encode()),
    index=st.integers(0, 11),
)
def test_random_bodies_are_problems(web, account, body, index):
    path = (["/acme/new-account", *account.paths])[index]
    assert_problem(web.post(path, body, content_type="application/jose+json"))


@settings(max_examples=80, deadline=None, suppress_health_check=FIXTURES)
@given(
    field=st.sampled_from(["protected", "payload", "signature", "header", "signatures"]),
    value=JSON | st.text(max_size=80),
    index=st.integers(0, 11),
    by_kid=st.booleans(),
)
def test_mutated_jws_are_problems(web, account, field, value, index, by_kid):
    path = (["/acme/new-account", *account.paths])[index]
    body = valid_body(web, account.key, path, account.account.uri if by_kid else None)
    body[field] = value
    assert_problem(web.post(path, json.dumps(body), content_type="application/jose+json"))


@settings(max_examples=120, deadline=None, suppress_health_check=FIXTURES)
@given(payload=PAYLOADS, index=st.integers(0, 11))
def test_any_json_payload_signed_by_the_account_gets_an_answer(web, account, payload, index):
    """Signed properly, with a fresh nonce: what the payload says decides the answer."""
    if index == 11:  # newAccount, signed with a key of no account
        path = "/acme/new-account"
        response = post_jws(web, path, payload, new_key())
    else:
        path = account.paths[index]
        response = post_jws(web, path, payload, account.key, kid=account.account.uri)
    assert response.status_code < 500, (path, payload, response.content[:300])
    if response.status_code >= 400:
        assert_problem(response)


@pytest.mark.parametrize("kid", ["\x00", "kid_\x00abc", "k" * 500, "kid_é", "kid_" + "a" * 37])
def test_an_eab_key_id_of_any_shape_is_unauthorized(web, alice, kid):
    """Looked up only when it could be one (a NUL byte is a DataError on PostgreSQL)."""
    key, (_, hmac) = new_key(), eab_for(alice)
    body = {"termsOfServiceAgreed": True, "externalAccountBinding": binding(key, kid, hmac)}
    response = post_jws(web, "/acme/new-account", body, key)
    assert (response.status_code, response.problem) == (403, "unauthorized")

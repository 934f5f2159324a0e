"""RFC 8555's resources and error types, request by request: the directory, nonces, the JWS
checks (§6), accounts and External Account Binding (§7.3), and what each wrong request gets
as a problem document. Raw JWS where the `acme` library would not send the mistake."""

import datetime as dt
import json

import josepy as jose
import pytest
import time_machine
from acme import messages
from django.test import Client
from django.utils import timezone

from certificates.models import AcmeAccount, AcmeNonce, Record
from teams.models import Membership
from teams.roles import Role
from tests.factories import UserFactory
from tests.support.acme_client import (
    BASE,
    DIRECTORY,
    binding,
    eab_for,
    fresh_nonce,
    key_change_jws,
    new_key,
    post_jws,
    register,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def web() -> Client:
    return Client()


def raw_jws(header: dict, payload: bytes = b"{}", signature: bytes = b"sig") -> str:
    """A flattened JWS as written, whatever it says."""
    return json.dumps(
        {
            "protected": jose.b64encode(json.dumps(header).encode()).decode(),
            "payload": jose.b64encode(payload).decode(),
            "signature": jose.b64encode(signature).decode(),
        }
    )


def new_account(web, key, eab=None, **payload):
    body = {"termsOfServiceAgreed": True, **payload}
    if eab is not None:
        body["externalAccountBinding"] = eab
    return post_jws(web, "/acme/new-account", body, key)


def test_the_directory_lists_every_resource_and_requires_eab(web):
    response = web.get("/acme/directory")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"newNonce", "newAccount", "newOrder", "revokeCert", "keyChange"}
    assert body["newAccount"] == f"{BASE}/acme/new-account"
    assert body["meta"]["externalAccountRequired"] is True
    assert response["Replay-Nonce"]


def test_new_nonce_by_head_and_get_each_time_a_new_one(web):
    head, get = web.head("/acme/new-nonce"), web.get("/acme/new-nonce")
    assert (head.status_code, get.status_code) == (200, 204)
    assert head["Replay-Nonce"] != get["Replay-Nonce"]
    assert head["Cache-Control"] == "no-store"
    assert 'rel="index"' in head["Link"]
    assert web.post("/acme/new-nonce").status_code == 405


def test_a_nonce_works_once(web, alice):
    key, (kid, hmac) = new_key(), eab_for(alice)
    nonce = fresh_nonce(web)
    body = {"termsOfServiceAgreed": True, "externalAccountBinding": binding(key, kid, hmac)}
    first = post_jws(web, "/acme/new-account", body, key, nonce=nonce)
    again = post_jws(web, "/acme/new-account", body, key, nonce=nonce)
    assert first.status_code == 201
    assert (again.status_code, again.problem) == (400, "badNonce")
    assert again["Replay-Nonce"]  # a fresh one to retry with, on the error too


def test_an_unknown_or_expired_nonce_is_bad(web, alice):
    key = new_key()
    made_up = post_jws(web, "/acme/new-account", {}, key, nonce="bm90LWEtbm9uY2U")
    assert made_up.problem == "badNonce"
    old, used = fresh_nonce(web), fresh_nonce(web)
    assert AcmeNonce.redeem(used) and AcmeNonce.objects.filter(value=used).exists()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert post_jws(web, "/acme/new-account", {}, key, nonce=old).problem == "badNonce"
        AcmeNonce.prune()
    assert not AcmeNonce.objects.filter(value=used).exists()  # expired: its time refuses it


def test_every_answer_carries_a_fresh_nonce_and_the_directory(web, alice):
    registered = register(alice)
    response = post_jws(
        web, "/acme/new-order", {"identifiers": []}, registered.key, kid=registered.account.uri
    )
    assert response.problem == "malformed"
    assert AcmeNonce.redeem(response["Replay-Nonce"])
    assert response["Content-Type"] == "application/problem+json"


def test_a_signature_that_does_not_verify_is_malformed(web, alice):
    key = new_key()
    signed = json.loads(
        jose.JWS.sign(
            b"{}", key=key, alg=jose.ES256, protect=frozenset(["alg", "jwk"]), include_jwk=True
        ).json_dumps()
    )
    header = {
        "alg": "ES256",
        "jwk": key.public_key().to_json(),
        "nonce": fresh_nonce(web),
        "url": f"{BASE}/acme/new-account",
    }
    signed["protected"] = jose.b64encode(json.dumps(header).encode()).decode()
    response = web.post(
        "/acme/new-account", json.dumps(signed), content_type="application/jose+json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == "urn:ietf:params:acme:error:malformed"
    assert "signature does not verify" in response.json()["detail"]


def test_a_request_for_another_url_is_unauthorized(web, alice):
    response = post_jws(web, "/acme/new-account", {}, new_key(), url=f"{BASE}/acme/new-order")
    assert (response.status_code, response.problem) == (403, "unauthorized")


def test_unsupported_algorithms_and_media_types(web):
    key = new_key()
    header = {
        "alg": "HS256",
        "jwk": key.public_key().to_json(),
        "nonce": fresh_nonce(web),
        "url": f"{BASE}/acme/new-account",
    }
    hmac = web.post("/acme/new-account", raw_jws(header), content_type="application/jose+json")
    assert hmac.json()["type"] == "urn:ietf:params:acme:error:badSignatureAlgorithm"
    assert "ES256" in hmac.json()["algorithms"]
    header |= {"alg": "RS256", "nonce": fresh_nonce(web)}  # an RSA algorithm, an EC key
    mismatch = web.post("/acme/new-account", raw_jws(header), content_type="application/jose+json")
    assert mismatch.json()["type"] == "urn:ietf:params:acme:error:badSignatureAlgorithm"
    header |= {"alg": "none", "nonce": fresh_nonce(web)}
    none = web.post("/acme/new-account", raw_jws(header), content_type="application/jose+json")
    assert none.json()["type"] == "urn:ietf:params:acme:error:badSignatureAlgorithm"
    plain = post_jws(web, "/acme/new-account", {}, key, content_type="application/json")
    assert plain.status_code == 415
    garbage = web.post("/acme/new-account", b"not json", content_type="application/jose+json")
    assert garbage.status_code == 400 and garbage.json()["type"].endswith(":malformed")


def test_jwk_and_kid_both_or_neither_are_malformed(web, alice):
    registered = register(alice)
    with_jwk = post_jws(web, "/acme/new-order", {"identifiers": []}, registered.key)
    assert with_jwk.problem == "malformed"
    assert "kid" in with_jwk.json()["detail"]


def test_an_unknown_account_does_not_exist(web):
    response = post_jws(web, "/acme/new-order", {}, new_key(), kid=f"{BASE}/acme/acct/999")
    assert response.problem == "accountDoesNotExist"
    foreign = post_jws(web, "/acme/new-order", {}, new_key(), kid="https://elsewhere/acct/1")
    assert foreign.problem == "accountDoesNotExist"


def test_an_account_needs_external_account_binding(web, alice):
    response = new_account(web, new_key())
    assert (response.status_code, response.problem) == (400, "externalAccountRequired")
    assert "ACME page" in response.json()["detail"]
    assert not AcmeAccount.objects.exists()


def test_a_wrong_binding_is_unauthorized(web, alice, bob):
    key = new_key()
    kid, hmac = eab_for(alice)
    other_kid, other_hmac = eab_for(bob)
    assert new_account(web, key, binding(key, kid, other_hmac)).problem == "unauthorized"
    assert new_account(web, key, binding(key, "kid_nope", hmac)).problem == "unauthorized"
    # The binding signs another account key than the one the request is signed with.
    assert new_account(web, key, binding(new_key(), kid, hmac)).problem == "unauthorized"
    wrong_url = binding(key, kid, hmac, url=f"{BASE}/acme/new-order")
    assert new_account(web, key, wrong_url).problem == "unauthorized"
    assert not AcmeAccount.objects.exists()
    assert new_account(web, key, binding(key, kid, hmac)).status_code == 201


def test_a_binding_key_makes_one_account(web, alice):
    kid, hmac = eab_for(alice)
    first, second = new_key(), new_key()
    assert new_account(web, first, binding(first, kid, hmac)).status_code == 201
    again = new_account(web, second, binding(second, kid, hmac))
    assert again.problem == "unauthorized" and "used already" in again.json()["detail"]


def test_the_account_belongs_to_the_keys_team_and_is_recorded(web, alice):
    registered = register(alice, email="ops@example.com")
    account = AcmeAccount.objects.get()
    assert account.team == Membership.objects.get(user=alice).team
    assert account.contact == ["mailto:ops@example.com"]
    assert registered.account.body.status == messages.STATUS_VALID.name
    record = Record.objects.get(action="acme_account_created")
    assert record.actor_name == f"ACME account {account.pk} (ops@example.com)"


def test_the_same_key_finds_its_account(web, alice):
    registered = register(alice)
    again = new_account(web, registered.key, onlyReturnExisting=True)
    assert again.status_code == 200
    assert again["Location"] == registered.account.uri
    missing = new_account(web, new_key(), onlyReturnExisting=True)
    assert missing.problem == "accountDoesNotExist"


def test_contacts_are_mailto_addresses(web, alice):
    key, (kid, hmac) = new_key(), eab_for(alice)
    eab = binding(key, kid, hmac)
    assert new_account(web, key, eab, contact=["tel:+1555"]).problem == "unsupportedContact"
    assert new_account(web, key, eab, contact=["mailto:not an address"]).problem == "invalidContact"
    assert (
        new_account(web, key, eab, contact=["mailto:a@example.com?subject=x"]).problem
        == "invalidContact"
    )
    assert new_account(web, key, eab, contact="mailto:a@example.com").problem == "malformed"


def test_terms_must_be_agreed(web, alice):
    key, (kid, hmac) = new_key(), eab_for(alice)
    response = post_jws(
        web, "/acme/new-account", {"externalAccountBinding": binding(key, kid, hmac)}, key
    )
    assert response.problem == "malformed" and "terms" in response.json()["detail"]


def test_an_account_updates_its_contact_and_reads_itself(web, alice):
    registered = register(alice)
    kid = registered.account.uri
    updated = post_jws(
        web,
        kid.removeprefix(BASE),
        {"contact": ["mailto:new@example.com"]},
        registered.key,
        kid=kid,
    )
    assert updated.json()["contact"] == ["mailto:new@example.com"]
    read = post_jws(web, kid.removeprefix(BASE), None, registered.key, kid=kid)
    assert read.status_code == 200 and read.json()["status"] == "valid"
    assert read.json()["orders"].endswith("/orders")


def test_an_account_cannot_read_another(web, alice, bob):
    mine, theirs = register(alice), register(bob)
    response = post_jws(
        web, theirs.account.uri.removeprefix(BASE), None, mine.key, kid=mine.account.uri
    )
    assert response.problem == "unauthorized"


def test_a_deactivated_account_can_do_nothing_more(web, alice):
    registered = register(alice)
    kid = registered.account.uri
    done = post_jws(web, kid.removeprefix(BASE), {"status": "deactivated"}, registered.key, kid=kid)
    assert done.json()["status"] == "deactivated"
    after = post_jws(
        web,
        "/acme/new-order",
        {"identifiers": [{"type": "dns", "value": "example.com"}]},
        registered.key,
        kid=kid,
    )
    assert after.problem == "unauthorized" and "deactivated" in after.json()["detail"]
    assert Record.objects.filter(action="acme_account_deactivated").count() == 1
    existing = new_account(web, registered.key, onlyReturnExisting=True)
    assert existing.problem == "unauthorized"


def test_an_account_acts_only_while_its_keys_maker_may(web, alice):
    registered = register(alice)
    Membership.objects.filter(user=alice).update(role=Role.READ_ONLY)
    response = post_jws(
        web,
        "/acme/new-order",
        {"identifiers": [{"type": "dns", "value": "example.com"}]},
        registered.key,
        kid=registered.account.uri,
    )
    assert response.problem == "unauthorized" and "FullAccess" in response.json()["detail"]


def test_key_change_rolls_the_account_over(web, alice):
    registered = register(alice)
    kid = registered.account.uri
    new = new_key()
    inner = key_change_jws(new, kid, registered.key)
    changed = post_jws(web, "/acme/key-change", inner, registered.key, kid=kid)
    assert changed.status_code == 200, changed.content
    old = post_jws(web, kid.removeprefix(BASE), None, registered.key, kid=kid)
    assert old.problem == "malformed"  # signed with the old key: it no longer verifies
    assert post_jws(web, kid.removeprefix(BASE), None, new, kid=kid).status_code == 200
    assert Record.objects.filter(action="acme_key_changed").count() == 1


def test_key_change_to_another_accounts_key_conflicts(web, alice, bob):
    mine, theirs = register(alice), register(bob)
    kid = mine.account.uri
    inner = key_change_jws(theirs.key, kid, mine.key)
    response = post_jws(web, "/acme/key-change", inner, mine.key, kid=kid)
    assert response.status_code == 409
    assert response["Location"] == theirs.account.uri


def test_key_change_signed_wrongly_is_refused(web, alice):
    registered = register(alice)
    kid = registered.account.uri
    new = new_key()
    # The inner JWS names another old key.
    inner = key_change_jws(new, kid, new_key())
    assert (
        post_jws(web, "/acme/key-change", inner, registered.key, kid=kid).problem == "unauthorized"
    )


def test_unknown_acme_paths_are_problem_documents(web):
    response = web.get("/acme/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_stranger_in_the_console_gets_nothing_from_acme(alice_client):
    """A console session is nothing to ACME: only a signed request is."""
    response = alice_client.post("/acme/new-order", "{}", content_type="application/json")
    assert response.status_code == 415


def test_a_user_without_a_team_role_cannot_make_keys(bob):
    from certificates.exceptions import AcmeKeyRefused
    from certificates.services.acme_accounts import create_key
    from tests.factories import team_of

    reader = UserFactory(username="reader")
    team = team_of(bob)
    Membership.objects.create(team=team, user=reader, role=Role.READ_ONLY)
    with pytest.raises(AcmeKeyRefused):
        create_key(team, by=reader)
    assert DIRECTORY.endswith("/acme/directory")

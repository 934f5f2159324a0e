"""Every look-then-write on a unique field, raced: threads released together, each with its
own connection (transaction=True), on SQLite and on PostgreSQL. The unique constraint picks
one winner; every other request gets the winner's answer or a refusal in words, never a
server error. (Nonces race in test_nonces.py, Idempotency-Keys in tests/api.)"""

import json
import threading
from collections.abc import Callable

import josepy as jose
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import connection
from django.test import Client

from certificates.choices import DomainType
from certificates.forms import OrganizationForm
from certificates.models import (
    AcmeAccount,
    AcmeAccountKey,
    Certificate,
    Organization,
    Record,
    Revocation,
)
from teams import invitations
from teams.models import ApiToken, Invitation, Membership, Team
from teams.roles import Role
from teams.services import MembershipRefused, own_team
from teams.tokens import create_token
from tests.factories import CertificateFactory, team_of
from tests.support.acme_client import (
    BASE,
    HOST,
    binding,
    eab_for,
    issued,
    key_change_jws,
    new_key,
    post_jws,
    register,
)
from tests.support.applying import ORGANIZATION

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 6


def at_once(calls: list[Callable]) -> list:
    """Run the calls in threads released together; their results in order (an exception
    is a result too, so that a test can say which one)."""
    gate = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call: Callable) -> None:
        try:
            gate.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported by the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def new_account(key: jose.JWK, kid: str, hmac: str):
    body = {"termsOfServiceAgreed": True, "externalAccountBinding": binding(key, kid, hmac)}
    return post_jws(Client(), "/acme/new-account", body, key)


def test_one_new_account_sent_six_times_at_once_makes_one_account(alice):
    key, (kid, hmac) = new_key(), eab_for(alice)
    answers = at_once([lambda: new_account(key, kid, hmac)] * RACERS)
    assert sorted(a.status_code for a in answers) == [200] * (RACERS - 1) + [201], answers
    assert {a["Location"] for a in answers} == {f"{BASE}/acme/acct/{AcmeAccount.objects.get().pk}"}


def test_one_account_key_with_six_eab_keys_at_once_makes_one_account(alice):
    key = new_key()
    bindings = [eab_for(alice) for _ in range(RACERS)]
    answers = at_once([lambda b=b: new_account(key, *b) for b in bindings])
    assert sorted(a.status_code for a in answers) == [200] * (RACERS - 1) + [201], answers
    assert AcmeAccount.objects.count() == 1
    assert len({a["Location"] for a in answers}) == 1
    # The EAB keys of the requests that lost were not used up: each can make an account.
    assert AcmeAccountKey.objects.filter(used_at__isnull=True).count() == RACERS - 1


def test_one_eab_key_with_six_account_keys_at_once_makes_one_account(alice):
    kid, hmac = eab_for(alice)
    answers = at_once([lambda: new_account(new_key(), kid, hmac) for _ in range(RACERS)])
    assert sorted(a.status_code for a in answers) == [201] + [403] * (RACERS - 1), answers
    assert all("used already" in a.json()["detail"] for a in answers if a.status_code == 403)
    assert AcmeAccount.objects.count() == 1


def test_six_accounts_rolling_over_to_one_key_at_once_one_wins(alice):
    accounts, key = [register(alice) for _ in range(RACERS)], new_key()

    def roll(client) -> object:
        kid = client.account.uri
        inner = key_change_jws(key, kid, client.key)
        return post_jws(Client(), "/acme/key-change", inner, client.key, kid=kid)

    answers = at_once([lambda c=c: roll(c) for c in accounts])
    assert sorted(a.status_code for a in answers) == [200] + [409] * (RACERS - 1), answers
    winner = AcmeAccount.objects.get(thumbprint=jose.b64encode(key.thumbprint()).decode())
    assert {a["Location"] for a in answers if a.status_code == 409} == {
        f"{BASE}/acme/acct/{winner.pk}"
    }


def test_six_requests_saving_one_new_organization_save_it_once(alice):
    team = team_of(alice)
    data = dict(ORGANIZATION)
    forms = [OrganizationForm(data, prefix="org", team=team) for _ in range(RACERS)]
    assert all(form.is_valid() for form in forms)  # each looked, and none saw another

    saved = at_once([form.save_new for form in forms])

    assert sum(isinstance(s, Organization) for s in saved) == 1, saved
    assert Organization.objects.filter(team=team).count() == 1
    refused = [form for form, s in zip(forms, saved, strict=True) if s is None]
    assert len(refused) == RACERS - 1
    assert all("already saved" in json.dumps(form.errors) for form in refused)


@pytest.fixture
def site(web_site, dns_zone):
    dns_zone.a(HOST)
    return web_site


def test_six_revocations_of_one_order_at_once_revoke_it_once(alice, site):
    client = register(alice)
    _, certificate, _ = issued(client, site)
    leaf = x509.load_pem_x509_certificate(certificate.certificate_pem.encode())
    der = jose.b64encode(leaf.public_bytes(serialization.Encoding.DER)).decode()

    def revoke():
        body = {"certificate": der, "reason": 4}
        return post_jws(Client(), "/acme/revoke-cert", body, client.key, kid=client.account.uri)

    answers = at_once([revoke] * RACERS)

    assert sorted((a.status_code, a.problem) for a in answers) == [(200, "")] + [
        (400, "alreadyRevoked")
    ] * (RACERS - 1), [a.content for a in answers]
    assert Revocation.objects.filter(serial_number=certificate.serial_number).count() == 1
    assert Record.objects.filter(certificate=certificate, action="approve_revocation").count() == 1


def test_six_first_visits_of_a_user_without_a_team_make_one_team(django_user_model):
    user = django_user_model.objects.create_user("newcomer", password="x")
    memberships = at_once([lambda: own_team(user)] * RACERS)
    assert len({m.pk for m in memberships}) == 1, memberships
    assert Team.objects.filter(memberships__user=user).count() == 1


def test_six_saves_of_one_applications_domains_at_once_leave_one_set(alice):
    certificate = CertificateFactory(owner=alice, domain_type=DomainType.MULTIPLE)
    names = [[f"www{n}.example.com", f"api{n}.example.com"] for n in range(RACERS)]

    def save(primary: str, other: str):
        copy = Certificate.objects.get(pk=certificate.pk)
        copy.set_domains(primary, [other])
        return copy.pk

    results = at_once([lambda p=p, o=o: save(p, o) for p, o in names])
    assert results == [certificate.pk] * RACERS, results
    assert sorted(d.name for d in certificate.domains.all()) in [sorted(p) for p in names]


def test_six_tokens_made_at_once_are_six_tokens(alice):
    team = team_of(alice)
    made = at_once(
        [lambda n=n: create_token(team, f"t{n}", Role.READ_ONLY, by=alice) for n in range(RACERS)]
    )
    assert all(isinstance(m, tuple) for m in made), made
    assert len({raw for _, raw in made}) == RACERS
    assert ApiToken.objects.filter(team=team).count() == RACERS


def test_six_invitations_of_one_username_at_once_make_one(alice):
    team = team_of(alice)

    results = at_once([lambda: invitations.invite(team, "dave", Role.READ_ONLY, by=alice)] * RACERS)

    assert sum(isinstance(r, Invitation) for r in results) == 1, results
    refused = [r for r in results if isinstance(r, MembershipRefused)]
    assert len(refused) == RACERS - 1 and all("invited already" in str(r) for r in refused)
    assert Invitation.objects.filter(team=team, username="dave").count() == 1


def test_six_acceptances_of_one_invitation_at_once_join_once(alice, django_user_model):
    dave = django_user_model.objects.create_user("dave", password="x")
    team = team_of(alice)
    invitation = invitations.invite(team, "dave", Role.READ_ONLY, by=alice)

    results = at_once([lambda: invitations.accept(invitation, user=dave)] * RACERS)

    assert sum(isinstance(r, Membership) for r in results) == 1, results
    refused = [r for r in results if isinstance(r, MembershipRefused)]
    assert len(refused) == RACERS - 1, results
    assert Membership.objects.filter(team=team, user=dave).count() == 1

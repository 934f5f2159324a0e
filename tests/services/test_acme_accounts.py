"""ACME accounts (certificates/services/acme_accounts.py), at the service boundary: EAB keys
shown once and kept encrypted, made by FullAccess members only; accounts registered once per
key; contacts; what an account may do; deactivation and key roll-over, each in the team's
operation records by the account's name."""

import base64
import datetime as dt

import pytest
from django.utils import timezone

from certificates.ca import keystore
from certificates.exceptions import AcmeKeyRefused, AcmeRefused
from certificates.models import AcmeAccount, AcmeAccountKey, Record
from certificates.services.acme_accounts import (
    binding_key,
    change_key,
    check_may_act,
    clean_contact,
    create_key,
    deactivate,
    hmac_key,
    register,
)
from teams.models import Membership
from teams.roles import Role
from tests.factories import MembershipFactory, team_of
from tests.support.acme_client import account_of, new_key, thumbprint_of


def demote(user, team, role=Role.READ_ONLY) -> None:
    Membership.objects.filter(user=user, team=team).update(role=role)


# EAB keys


def test_a_new_key_is_shown_once_and_kept_encrypted(alice):
    key, shown = create_key(team_of(alice), by=alice)
    secret = base64.urlsafe_b64decode(shown + "=" * (-len(shown) % 4))
    assert len(secret) == 32 and "=" not in shown
    key.refresh_from_db()
    assert key.key_id.startswith("kid_") and key.used_at is None
    stored = bytes(key.hmac_key)
    assert secret not in stored and shown.encode() not in stored  # not in the clear
    assert keystore.decrypt(stored) == secret == hmac_key(key)
    assert binding_key(key.key_id) == key
    record = Record.objects.get(team=team_of(alice), action="acme_eab_created")
    assert (record.actor, record.detail) == (alice, f"Key ID {key.key_id}")


def test_a_read_only_member_makes_no_key(alice, bob):
    team = team_of(alice)
    MembershipFactory(team=team, user=bob, role=Role.READ_ONLY)
    with pytest.raises(
        AcmeKeyRefused, match=f"needs the FullAccess or Administrator role in {team.name}"
    ):
        create_key(team, by=bob)
    assert not AcmeAccountKey.objects.filter(team=team).exists()
    assert not Record.objects.filter(team=team, action="acme_eab_created").exists()


@pytest.mark.parametrize("key_id", ["kid_unknown", "kid_\x00", {"kid": "x"}, None, "other"])
def test_an_unknown_binding_key_id_is_unauthorized(alice, key_id):
    create_key(team_of(alice), by=alice)
    with pytest.raises(AcmeRefused, match="key ID is not known") as refused:
        binding_key(key_id)
    assert refused.value.problem == "unauthorized"


# Contacts


def test_contacts_are_up_to_five_single_mailto_addresses(db):
    assert clean_contact(None) == []
    wanted = [f"mailto:ops{n}@example.com" for n in range(5)]
    assert clean_contact(wanted) == wanted


@pytest.mark.parametrize(
    ("contact", "problem", "message"),
    [
        ("mailto:ops@example.com", "malformed", "contact must be a list of mailto: URLs."),
        ([1], "malformed", "contact must be a list"),
        ([f"mailto:o{n}@example.com" for n in range(6)], "invalidContact", "At most 5 contacts."),
        (["tel:+442079460000"], "unsupportedContact", "Only mailto: contacts are supported"),
        (["mailto:a@example.com,b@example.com"], "invalidContact", "not a single valid email"),
        (["mailto:a@example.com?subject=hi"], "invalidContact", "not a single valid email"),
        (["mailto:nobody"], "invalidContact", "not a single valid email"),
    ],
)
def test_contacts_that_are_not_refused_with_the_reason(db, contact, problem, message):
    with pytest.raises(AcmeRefused, match=message) as refused:
        clean_contact(contact)
    assert refused.value.problem == problem


# Accounts


def test_an_account_is_registered_once_per_key_in_the_keys_team(alice):
    key, _ = create_key(team_of(alice), by=alice)
    public = new_key().public_key()
    account, made = register(
        key, jwk=public.to_json(), thumbprint=thumbprint_of(public), contact=[]
    )
    assert made and account.team == team_of(alice) and account.owner == alice
    key.refresh_from_db()
    assert key.used_at is not None
    again, made_again = register(  # the same newAccount sent twice
        key, jwk=public.to_json(), thumbprint=thumbprint_of(public), contact=[]
    )
    assert (again, made_again) == (account, False)
    other = new_key().public_key()
    with pytest.raises(AcmeRefused, match="was used already") as refused:
        register(key, jwk=other.to_json(), thumbprint=thumbprint_of(other), contact=[])
    assert refused.value.problem == "unauthorized"
    assert AcmeAccount.objects.filter(team=team_of(alice)).count() == 1
    record = Record.objects.get(action="acme_account_created")
    assert (record.actor, record.actor_name) == (alice, account.label)
    assert record.detail == f"With key ID {key.key_id}"


def test_a_key_whose_maker_lost_the_role_registers_nothing(alice):
    key, _ = create_key(team_of(alice), by=alice)
    demote(alice, team_of(alice))
    public = new_key().public_key()
    with pytest.raises(AcmeRefused, match="can no longer make ACME accounts"):
        register(key, jwk=public.to_json(), thumbprint=thumbprint_of(public), contact=[])
    key.refresh_from_db()
    assert key.used_at is None and not AcmeAccount.objects.exists()


def test_an_account_acts_while_its_maker_may_and_notes_its_last_use(alice):
    account = account_of(alice)
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    AcmeAccount.objects.filter(pk=account.pk).update(last_used_at=long_ago)
    account.refresh_from_db()
    check_may_act(account)
    account.refresh_from_db()
    assert account.last_used_at > long_ago
    demote(alice, team_of(alice))
    with pytest.raises(AcmeRefused, match="no longer has the FullAccess role") as refused:
        check_may_act(account)
    assert refused.value.problem == "unauthorized"


def test_a_deactivated_account_does_nothing_more(alice):
    account = account_of(alice)
    deactivate(account)
    account.refresh_from_db()
    assert account.status == AcmeAccount.DEACTIVATED and account.deactivated_at is not None
    with pytest.raises(AcmeRefused, match="This ACME account is deactivated."):
        check_may_act(account)
    with pytest.raises(AcmeRefused, match="deactivated already"):
        deactivate(account)
    (record,) = Record.objects.filter(action="acme_account_deactivated")
    assert (record.actor_name, record.detail) == (account.label, "By its ACME client")


def test_a_member_deactivating_an_account_is_on_the_record(alice):
    account = account_of(alice)
    deactivate(account, by=alice)
    record = Record.objects.get(action="acme_account_deactivated")
    assert (record.actor, record.actor_name, record.detail) == (alice, "alice", account.label)


def test_a_key_roll_over_takes_the_new_key_unless_another_account_has_it(alice):
    account, other = account_of(alice), account_of(alice)
    new = new_key().public_key()
    change_key(account, jwk=new.to_json(), thumbprint=thumbprint_of(new), location="/acme/acct/{}")
    account.refresh_from_db()
    assert (account.jwk, account.thumbprint) == (new.to_json(), thumbprint_of(new))
    record = Record.objects.get(action="acme_key_changed")
    assert record.detail == f"New key thumbprint {thumbprint_of(new)}"
    with pytest.raises(AcmeRefused, match="Another account uses this key.") as refused:
        change_key(
            other,
            jwk=new.to_json(),
            thumbprint=thumbprint_of(new),
            location="/acme/acct/{}",
        )
    assert (refused.value.problem, refused.value.location) == (
        "conflict",
        f"/acme/acct/{account.pk}",
    )
    other.refresh_from_db()
    assert other.thumbprint != thumbprint_of(new)

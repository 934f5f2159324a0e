"""The team's ACME page (SPEC §11): FullAccess members and Administrators make EAB keys
(the HMAC key shown once, kept encrypted), see the accounts made with them, deactivate one;
ReadOnly members get 403 and no link; `manage.py create_acme_eab`; every event recorded."""

import io

import pytest
from django.core.management import CommandError, call_command

from certificates.ca import keystore
from certificates.models import AcmeAccount, AcmeAccountKey, Record
from teams.roles import Role
from tests.factories import MembershipFactory, UserFactory, team_of
from tests.support.acme_client import new_key, post_jws, register

pytestmark = pytest.mark.django_db


def test_a_key_is_shown_once_and_kept_encrypted(alice_client, alice):
    assert alice_client.post("/teams/acme/").status_code == 302
    page = alice_client.get("/teams/acme/")
    key_id = page.text.split("data-key-id>")[1].split("<")[0]
    hmac = page.text.split("data-hmac-key>")[1].split("<")[0]
    assert key_id.startswith("kid_") and len(hmac) == 43
    assert f"--eab-kid {key_id} --eab-hmac-key={hmac}" in page.text
    assert page["Cache-Control"] == "private, no-store"
    stored = AcmeAccountKey.objects.get()
    assert hmac not in str(AcmeAccountKey.objects.values().get())
    assert keystore.decrypt(stored.hmac_key)  # readable by the server only
    again = alice_client.get("/teams/acme/")
    assert hmac not in again.text and key_id in again.text  # shown once; listed as unused
    record = Record.objects.get(action="acme_eab_created")
    assert record.actor == alice and key_id in record.detail


def test_a_read_only_member_gets_403_and_no_link(alice):
    carol = UserFactory(username="carol")
    MembershipFactory(team=team_of(alice), user=carol, role=Role.READ_ONLY)
    from django.test import Client

    client = Client()
    client.force_login(carol)
    client.post("/teams/switch/", {"team": team_of(alice).pk})
    assert client.get("/teams/acme/").status_code == 403
    assert client.post("/teams/acme/").status_code == 403
    assert not AcmeAccountKey.objects.exists()
    assert 'href="/teams/acme/"' not in client.get("/certificates/").text


def test_a_full_access_member_sees_the_link(alice_client):
    assert 'href="/teams/acme/"' in alice_client.get("/certificates/").text


def test_accounts_are_listed_with_contact_and_last_use_and_can_be_deactivated(alice_client, alice):
    registered = register(alice, email="ops@example.com")
    account = AcmeAccount.objects.get()
    page = alice_client.get("/teams/acme/").text
    assert f"ACME account {account.pk}" in page and "ops@example.com" in page
    assert "No unused keys." in page  # the key is used up
    done = alice_client.post(f"/teams/acme/accounts/{account.pk}/deactivate/")
    assert done.status_code == 302
    account.refresh_from_db()
    assert account.status == AcmeAccount.DEACTIVATED
    from django.test import Client

    refused = post_jws(
        Client(),
        "/acme/new-order",
        {"identifiers": [{"type": "dns", "value": "example.com"}]},
        registered.key,
        kid=registered.account.uri,
    )
    assert refused.problem == "unauthorized"
    record = Record.objects.get(action="acme_account_deactivated")
    assert record.actor == alice


def test_another_teams_account_and_key_are_not_found(alice, bob_client, bob):
    register(alice)
    from certificates.services.acme_accounts import create_key

    key, _ = create_key(team_of(alice), by=alice)
    account = AcmeAccount.objects.get()
    assert bob_client.post(f"/teams/acme/accounts/{account.pk}/deactivate/").status_code == 404
    assert bob_client.post(f"/teams/acme/keys/{key.pk}/delete/").status_code == 404
    account.refresh_from_db()
    assert account.status == AcmeAccount.VALID


def test_an_unused_key_can_be_deleted_and_stops_working(alice_client, alice):
    from certificates.services.acme_accounts import create_key

    key, hmac = create_key(team_of(alice), by=alice)
    assert alice_client.post(f"/teams/acme/keys/{key.pk}/delete/").status_code == 302
    assert not AcmeAccountKey.objects.exists()
    assert Record.objects.filter(action="acme_eab_deleted").count() == 1


def test_the_command_prints_key_id_and_hmac_key_on_its_last_line(alice):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_acme_eab", "alice", stdout=out, stderr=err)
    key_id, hmac = out.getvalue().strip().splitlines()[-1].split()
    assert AcmeAccountKey.objects.get().key_id == key_id
    assert "shown only now" in err.getvalue()
    # The printed key registers an account, as a client given it would.
    from acme import client as acme_client
    from acme import messages

    from tests.support.acme_client import DIRECTORY, network

    key = new_key()
    net = network(key)
    directory = acme_client.ClientV2.get_directory(DIRECTORY, net)
    acme = acme_client.ClientV2(directory, net)
    binding = messages.ExternalAccountBinding.from_data(
        account_public_key=key.public_key(), kid=key_id, hmac_key=hmac, directory=directory
    )
    acme.new_account(
        messages.NewRegistration.from_data(
            terms_of_service_agreed=True, external_account_binding=binding
        )
    )
    assert AcmeAccount.objects.get().team == team_of(alice)


def test_the_command_names_a_team_and_refuses_a_read_only_member(alice):
    carol = UserFactory(username="carol")
    MembershipFactory(team=team_of(alice), user=carol, role=Role.READ_ONLY)
    with pytest.raises(CommandError, match="FullAccess"):
        call_command("create_acme_eab", "carol", "--team", team_of(alice).name)
    with pytest.raises(CommandError, match="no team called"):
        call_command("create_acme_eab", "alice", "--team", "nowhere")
    with pytest.raises(CommandError, match="no user"):
        call_command("create_acme_eab", "nobody")

"""API tokens (SPEC §10): made on the console's page or with manage.py, shown once, kept
hashed, scoped to a team and a role no higher than their creator's, expiring, revocable,
last use shown, and every token event in the operation records."""

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from certificates.models import Record
from teams.models import ApiToken, Membership
from teams.roles import Role
from teams.tokens import TokenRefused, create_token
from tests.api.conftest import Api, token_for
from tests.factories import MembershipFactory, UserFactory, team_of

LIST = "/v3/scm/certificates"


def test_a_token_is_shown_once_and_kept_only_as_its_hash(alice_client, alice):
    made = alice_client.post(
        "/teams/tokens/", {"name": "deploy", "role": Role.FULL_ACCESS, "expires": "30"}
    )
    assert made.status_code == 302
    page = alice_client.get("/teams/tokens/")
    raw = page.text.split("data-token>")[1].split("<")[0]
    assert raw.startswith("scm_") and len(raw) > 40
    assert page["Cache-Control"] == "private, no-store"
    stored = ApiToken.objects.get()
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.values().get())  # never stored itself
    again = alice_client.get("/teams/tokens/")
    assert raw not in again.text and stored.prefix in again.text  # shown once
    assert Api(raw).get(LIST).status_code == 200


def test_a_token_role_is_no_higher_than_its_creators(alice):
    dave = UserFactory(username="dave")
    MembershipFactory(team=team_of(alice), user=dave, role=Role.FULL_ACCESS)
    with pytest.raises(TokenRefused, match="no higher than yours"):
        create_token(team_of(alice), "x", Role.ADMINISTRATOR, by=dave)
    stranger = UserFactory(username="zed")
    with pytest.raises(TokenRefused, match="not a member"):
        create_token(team_of(alice), "x", Role.READ_ONLY, by=stranger)


def test_the_page_offers_no_role_above_ones_own(alice):
    from django.test import Client

    carol = UserFactory(username="carol")
    MembershipFactory(team=team_of(alice), user=carol, role=Role.READ_ONLY)
    client = Client()
    client.force_login(carol)
    client.get("/certificates/")
    page = client.get("/teams/tokens/")
    assert page.status_code == 200
    assert 'value="read_only"' in page.text and 'value="full_access"' not in page.text
    forged = client.post("/teams/tokens/", {"name": "x", "role": Role.ADMINISTRATOR})
    assert forged.status_code == 400 and not ApiToken.objects.exists()


def test_an_expired_or_revoked_token_is_refused(alice_client, alice):
    token, api = token_for(alice, Role.READ_ONLY)
    assert api.get(LIST).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    expired = api.get(LIST)
    assert expired.status_code == 401 and expired.json()["error_code"] == "SCM.0401"
    token2, api2 = token_for(alice, Role.READ_ONLY, name="second")
    assert alice_client.post(f"/teams/tokens/{token2.pk}/revoke/").status_code == 302
    assert api2.get(LIST).status_code == 401
    actions = list(Record.objects.values_list("action", "detail").order_by("at", "id"))
    assert ("token_revoked", "API token second") in actions
    assert [a for a, _ in actions].count("token_created") == 2


def test_a_token_stops_when_its_creator_leaves_and_follows_a_lowered_role(alice):
    dave = UserFactory(username="dave")
    membership = MembershipFactory(team=team_of(alice), user=dave, role=Role.FULL_ACCESS)
    _, api = token_for(dave, Role.FULL_ACCESS)
    assert api.post(LIST, {"type": "DV_SSL_CERT_BASIC"}).status_code == 201
    Membership.objects.filter(pk=membership.pk).update(role=Role.READ_ONLY)
    lowered = api.post(LIST, {"type": "DV_SSL_CERT_BASIC"})
    assert lowered.status_code == 403
    assert "needs the FullAccess role" in lowered.json()["error_msg"]
    Membership.objects.filter(pk=membership.pk).delete()
    assert api.get(LIST).status_code == 401


def test_last_use_is_shown_and_written_at_most_once_a_minute(alice_client, alice):
    token, api = token_for(alice, Role.READ_ONLY)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        api.get(LIST)
        first = ApiToken.objects.get(pk=token.pk).last_used_at
        clock.shift(dt.timedelta(seconds=30))
        api.get(LIST)
        assert ApiToken.objects.get(pk=token.pk).last_used_at == first
        clock.shift(dt.timedelta(seconds=31))
        api.get(LIST)
        assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_others_tokens_are_an_administrators_business(alice, alice_client):
    from django.test import Client

    dave = UserFactory(username="dave")
    MembershipFactory(team=team_of(alice), user=dave, role=Role.FULL_ACCESS)
    alices, _ = token_for(alice, Role.READ_ONLY, name="alices")
    daves, _ = token_for(dave, Role.READ_ONLY, name="daves")
    client = Client()
    client.force_login(dave)
    client.get("/certificates/")
    page = client.get("/teams/tokens/").text
    assert "daves" in page and "alices" not in page
    assert client.post(f"/teams/tokens/{alices.pk}/revoke/").status_code == 404
    assert "daves" in alice_client.get("/teams/tokens/").text  # an Administrator sees all
    assert alice_client.post(f"/teams/tokens/{daves.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get(pk=daves.pk).state == "revoked"


def test_create_api_token_prints_the_token_on_its_last_line(alice):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        "alice",
        "--role",
        "FullAccess",
        "--expires-days",
        "7",
        stdout=out,
        stderr=err,
    )
    raw = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.role == Role.FULL_ACCESS and token.expires_at is not None
    assert Api(raw).get(LIST).status_code == 200
    assert "shown only now" in err.getvalue()


def test_the_api_acts_as_the_token_in_the_records(alice, api):
    bought = api.post(LIST, {"type": "DV_SSL_CERT_BASIC"})
    assert bought.status_code == 201
    record = Record.objects.get(action="buy")
    assert record.actor_name == "API token pipeline" and record.actor == alice

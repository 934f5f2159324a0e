"""Invitations (SPEC §9): an Administrator invites a username; the person joins only by
accepting on their own page, or declines; the team's page never tells whether a username
exists. Every step is in the operation records."""

import re

import pytest
from django.db import IntegrityError

from certificates.models import Record
from teams.models import Invitation, Membership
from teams.roles import Role
from tests.factories import UserFactory, team_of
from tests.support.pages import client_for

MEMBERS = "/teams/members/"
INVITATIONS = "/teams/invitations/"


def messages_of(response) -> list[str]:
    return re.findall(r'<li class="message[^"]*"[^>]*>(.*?)</li>', response.text, re.S)


@pytest.fixture
def northwind(alice):
    return team_of(alice)


@pytest.fixture
def erin(db):
    return UserFactory(username="erin")


def test_inviting_adds_nobody_and_answers_alike_whether_the_username_exists(
    alice_client, alice, northwind, erin
):
    told = {}
    for typed in (" Erin ", "nobody-at-all"):
        sent = alice_client.post(MEMBERS, {"username": typed, "role": Role.FULL_ACCESS})
        assert sent.status_code == 302
        assert sent["Location"] == MEMBERS
        page = alice_client.get(MEMBERS)
        (said,) = messages_of(page)
        told[typed.strip()] = said.replace(typed.strip(), "NAME")
    assert told["Erin"] == told["nobody-at-all"]
    assert "Invitation sent to “NAME”, as FullAccess." in told["Erin"]

    # The pending list shows what was typed, for both alike; nobody joined.
    assert 'data-invitation="Erin"' in page.text and 'data-invitation="nobody-at-all"' in page.text
    assert not Membership.objects.filter(user=erin).exists()
    sent = Record.objects.filter(team=northwind, action="invitation_sent").order_by("id")
    assert [(r.actor, r.detail) for r in sent] == [
        (alice, "Erin as FullAccess"),
        (alice, "nobody-at-all as FullAccess"),
    ]


def test_the_invitee_sees_the_invitation_and_joins_only_by_accepting(alice_client, northwind, erin):
    alice_client.post(MEMBERS, {"username": "ERIN", "role": Role.FULL_ACCESS})
    invitee = client_for(erin)  # a fresh sign-in counts what waits
    assert 'href="/teams/invitations/">Invitations (1)</a>' in invitee.get("/certificates/").text
    page = invitee.get(INVITATIONS)
    assert page.status_code == 200
    assert 'data-invitation="alice"' in page.text
    assert "as <strong>FullAccess</strong>" in page.text
    invitation = Invitation.objects.get()

    assert invitee.get(f"{INVITATIONS}{invitation.pk}/accept/").status_code == 405
    joined = invitee.post(f"{INVITATIONS}{invitation.pk}/accept/", follow=True)
    assert "You joined alice as FullAccess: you work in it now." in messages_of(joined)
    assert Membership.objects.get(team=northwind, user=erin).role == Role.FULL_ACCESS
    assert not Invitation.objects.exists()
    assert "Invitations (" not in joined.text
    record = Record.objects.get(team=northwind, action="invitation_accepted")
    assert (record.actor, record.detail) == (erin, "erin as FullAccess")


def test_declining_joins_nothing_and_is_recorded(alice_client, northwind, erin):
    alice_client.post(MEMBERS, {"username": "erin", "role": Role.ADMINISTRATOR})
    invitation = Invitation.objects.get()
    invitee = client_for(erin)
    page = invitee.post(f"{INVITATIONS}{invitation.pk}/decline/", follow=True)
    assert "You declined the invitation to alice." in messages_of(page)
    assert "No invitations are waiting for you." in page.text
    assert not Membership.objects.filter(team=northwind, user=erin).exists()
    assert not Invitation.objects.exists()
    record = Record.objects.get(team=northwind, action="invitation_declined")
    assert (record.actor, record.detail) == (erin, "erin (Administrator)")


def test_a_revoked_invitation_can_no_longer_be_accepted(alice_client, alice, northwind, erin):
    alice_client.post(MEMBERS, {"username": "erin", "role": Role.READ_ONLY})
    invitation = Invitation.objects.get()
    revoked = alice_client.post(f"{MEMBERS}invitations/{invitation.pk}/revoke/", follow=True)
    assert "The invitation for “erin” was revoked." in messages_of(revoked)
    record = Record.objects.get(team=northwind, action="invitation_revoked")
    assert (record.actor, record.detail) == (alice, "erin (ReadOnly)")
    assert client_for(erin).post(f"{INVITATIONS}{invitation.pk}/accept/").status_code == 404
    assert not Membership.objects.filter(team=northwind, user=erin).exists()


def test_nobody_else_answers_someone_elses_invitation(alice_client, bob, northwind, erin):
    alice_client.post(MEMBERS, {"username": "erin", "role": Role.ADMINISTRATOR})
    invitation = Invitation.objects.get()
    stranger = client_for(bob)
    assert 'data-invitation="alice"' not in stranger.get(INVITATIONS).text
    assert stranger.post(f"{INVITATIONS}{invitation.pk}/accept/").status_code == 404
    assert stranger.post(f"{INVITATIONS}{invitation.pk}/decline/").status_code == 404
    # Nor does another team's Administrator revoke it.
    assert stranger.post(f"{MEMBERS}invitations/{invitation.pk}/revoke/").status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    assert not Membership.objects.filter(team=northwind, user=bob).exists()


def test_one_pending_invitation_per_username_whatever_its_case(alice_client, alice, northwind):
    alice_client.post(MEMBERS, {"username": "erin", "role": Role.READ_ONLY})
    again = alice_client.post(MEMBERS, {"username": "ERIN", "role": Role.ADMINISTRATOR})
    assert again.status_code == 400
    assert "“ERIN” is invited already." in again.text
    assert Invitation.objects.get().role == Role.READ_ONLY
    # The database's constraint decides, not the page's look-up (two Administrators at once).
    with pytest.raises(IntegrityError):
        Invitation.objects.create(team=northwind, username="Erin", invited_by=alice)


def test_only_administrators_invite_or_revoke(alice_client, northwind, erin):
    from tests.factories import MembershipFactory

    dave = UserFactory(username="dave")
    MembershipFactory(team=northwind, user=dave, role=Role.FULL_ACCESS)
    alice_client.post(MEMBERS, {"username": "erin", "role": Role.READ_ONLY})
    invitation = Invitation.objects.get()
    member = client_for(dave)
    assert member.post(MEMBERS, {"username": "x", "role": "read_only"}).status_code == 403
    assert member.post(f"{MEMBERS}invitations/{invitation.pk}/revoke/").status_code == 403
    assert Invitation.objects.count() == 1


def test_the_admin_shows_a_teams_pending_invitations_read_only(alice_client, northwind):
    alice_client.post(MEMBERS, {"username": "Zed", "role": Role.READ_ONLY})
    root = client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = root.get(f"/admin/teams/team/{northwind.pk}/change/")
    assert page.status_code == 200
    assert "Invitations" in page.text and "Zed" in page.text
    assert 'name="invitations-0-username"' not in page.text  # shown, never edited


def test_accepting_when_already_a_member_keeps_ones_role(alice, northwind, erin):
    from teams.invitations import accept, invite
    from tests.factories import MembershipFactory

    invitation = invite(northwind, "erin", Role.ADMINISTRATOR, by=alice)
    MembershipFactory(team=northwind, user=erin, role=Role.READ_ONLY)  # joined meanwhile
    joined = accept(invitation, user=erin)
    assert joined.role == Role.READ_ONLY
    assert Membership.objects.filter(team=northwind, user=erin).count() == 1
    assert not Invitation.objects.exists()

"""The members page (SPEC §9): an Administrator invites people (test_invitations.py),
changes members' roles and removes members, after a confirmation; a team always keeps an
Administrator; every change is in the operation records. Also: a user's own team, and
switching between teams."""

import re

import pytest

from certificates.models import Record
from teams.models import Membership, Team
from teams.roles import Role
from tests.factories import CertificateFactory, MembershipFactory, UserFactory, team_of
from tests.support.pages import client_for

MEMBERS = "/teams/members/"


def messages_of(response) -> list[str]:
    return re.findall(r'<li class="message[^"]*"[^>]*>(.*?)</li>', response.text, re.S)


@pytest.fixture
def northwind(alice):
    """alice's team: alice (Administrator), dave (FullAccess), carol (ReadOnly)."""
    team = team_of(alice)
    dave, carol = UserFactory(username="dave"), UserFactory(username="carol")
    MembershipFactory(team=team, user=dave, role=Role.FULL_ACCESS)
    MembershipFactory(team=team, user=carol, role=Role.READ_ONLY)
    return team


def membership(team, username: str) -> Membership:
    return Membership.objects.get(team=team, user__username=username)


def test_a_user_without_a_team_gets_one_of_their_own_at_login(db):
    newcomer = UserFactory(username="newcomer")
    assert not Membership.objects.filter(user=newcomer).exists()
    page = client_for(newcomer).get("/certificates/")
    assert page.status_code == 200
    (own,) = Membership.objects.filter(user=newcomer)
    assert (own.team.name, own.role) == ("newcomer", Role.ADMINISTRATOR)
    assert 'data-team="' in page.text and ">newcomer</span>" in page.text


@pytest.mark.parametrize(
    ("username", "said"),
    [
        ("dave", "dave is already a member of alice."),
        ("", "This field is required."),
    ],
)
def test_inviting_someone_who_cannot_be_invited_says_why(alice_client, northwind, username, said):
    before = Membership.objects.count()
    page = alice_client.post(MEMBERS, {"username": username, "role": Role.FULL_ACCESS})
    assert page.status_code == 400
    assert said in page.text
    assert Membership.objects.count() == before
    assert not Record.objects.filter(action="invitation_sent").exists()


def test_an_unknown_role_is_refused_on_the_form(alice_client, northwind):
    UserFactory(username="erin")
    page = alice_client.post(MEMBERS, {"username": "erin", "role": "owner"})
    assert page.status_code == 400
    assert "Select a valid choice" in page.text
    assert not Membership.objects.filter(user__username="erin").exists()


def test_an_administrator_changes_a_role_and_it_is_recorded(alice_client, alice, northwind):
    dave = membership(northwind, "dave")
    page = alice_client.post(
        f"/teams/members/{dave.pk}/role/", {"role": Role.ADMINISTRATOR}, follow=True
    )
    assert "dave is now Administrator." in messages_of(page)
    assert membership(northwind, "dave").role == Role.ADMINISTRATOR
    record = Record.objects.get(team=northwind, action="role_changed")
    assert (record.actor, record.detail) == (alice, "dave: FullAccess → Administrator")


def test_the_last_administrator_can_be_neither_demoted_nor_removed(alice_client, northwind):
    alice = membership(northwind, "alice")
    page = alice_client.post(
        f"/teams/members/{alice.pk}/role/", {"role": Role.READ_ONLY}, follow=True
    )
    said = "alice is the last Administrator of alice: make someone else Administrator first."
    assert any(said in message for message in messages_of(page))
    page = alice_client.post(f"/teams/members/{alice.pk}/remove/", follow=True)
    assert any(said in message for message in messages_of(page))
    assert membership(northwind, "alice").role == Role.ADMINISTRATOR
    assert not Record.objects.filter(action__in=["role_changed", "member_removed"]).exists()


def test_with_a_second_administrator_the_first_may_step_down(alice_client, northwind):
    dave = membership(northwind, "dave")
    alice = membership(northwind, "alice")
    alice_client.post(f"/teams/members/{dave.pk}/role/", {"role": Role.ADMINISTRATOR})
    page = alice_client.post(
        f"/teams/members/{alice.pk}/role/", {"role": Role.FULL_ACCESS}, follow=True
    )
    assert "alice is now FullAccess." in messages_of(page)
    # No longer an Administrator: the members page is closed to her now.
    assert alice_client.get(MEMBERS).status_code == 403


def test_removing_a_member_takes_the_teams_certificates_away_from_them(
    alice_client, alice, northwind
):
    certificate = CertificateFactory(owner=alice, domain=True)
    carol = UserFactory(username="carol")
    carol_client = client_for(carol)
    assert carol_client.get(f"/certificates/{certificate.pk}/").status_code == 200
    page = alice_client.post(f"/teams/members/{membership(northwind, 'carol').pk}/remove/")
    assert page.status_code == 302
    assert carol_client.get(f"/certificates/{certificate.pk}/").status_code == 404
    # Her session still named the team: the list now shows a team of her own instead.
    listed = carol_client.get("/certificates/")
    assert f'data-certificate-id="{certificate.pk}"' not in listed.text
    assert ">carol</span>" in listed.text
    record = Record.objects.get(team=northwind, action="member_removed")
    assert record.detail == "carol (ReadOnly)"


def test_remove_asks_for_confirmation_on_a_page_of_its_own(alice_client, northwind):
    carol = membership(northwind, "carol")
    listed = alice_client.get(MEMBERS).text
    assert f'<a class="button danger" href="/teams/members/{carol.pk}/remove/">' in listed
    asked = alice_client.get(f"/teams/members/{carol.pk}/remove/")
    assert asked.status_code == 200
    assert "Remove carol from alice?" in asked.text
    assert '<form method="post">' in asked.text  # a plain form: no JavaScript needed
    assert Membership.objects.filter(pk=carol.pk).exists()  # asking removed nobody
    assert not Record.objects.filter(action="member_removed").exists()
    assert alice_client.put(f"/teams/members/{carol.pk}/remove/").status_code == 405


def test_a_member_of_another_team_cannot_be_named(alice_client, bob):
    theirs = MembershipFactory(team=team_of(bob), role=Role.READ_ONLY)
    assert alice_client.get(f"/teams/members/{theirs.pk}/remove/").status_code == 404
    assert alice_client.post(f"/teams/members/{theirs.pk}/remove/").status_code == 404
    assert (
        alice_client.post(
            f"/teams/members/{theirs.pk}/role/", {"role": Role.ADMINISTRATOR}
        ).status_code
        == 404
    )
    assert Membership.objects.filter(pk=theirs.pk, role=Role.READ_ONLY).exists()


@pytest.mark.parametrize(("username", "role"), [("dave", "FullAccess"), ("carol", "ReadOnly")])
def test_only_administrators_manage_members(northwind, username, role):
    client = client_for(UserFactory(username=username))
    page = client.get(MEMBERS)
    assert page.status_code == 403
    assert f"This needs the Administrator role in alice; yours is {role}." in page.text
    assert 'href="/teams/members/"' not in client.get("/certificates/").text
    target = membership(northwind, "alice")
    assert client.post(f"/teams/members/{target.pk}/remove/").status_code == 403
    assert client.post(MEMBERS, {"username": username, "role": "administrator"}).status_code == 403
    assert membership(northwind, username).role != Role.ADMINISTRATOR


def test_the_header_shows_the_team_and_switches_between_several(alice, alice_client, bob):
    CertificateFactory(owner=alice, name="alices-own")
    theirs = CertificateFactory(owner=bob, name="fabrikam-shop")
    MembershipFactory(team=team_of(bob), user=alice, role=Role.READ_ONLY)
    alice_client.force_login(alice)  # a fresh login: the session learns both teams
    page = alice_client.get("/certificates/")
    assert '<select name="team" id="team-switch">' in page.text
    assert "alices-own" in page.text and "fabrikam-shop" not in page.text
    switched = alice_client.post("/teams/switch/", {"team": team_of(bob).pk}, follow=True)
    assert "You now work in bob." in messages_of(switched)
    assert "fabrikam-shop" in switched.text and "alices-own" not in switched.text
    assert "Buy certificate" not in switched.text  # ReadOnly in bob's team
    assert alice_client.get(f"/certificates/{theirs.pk}/").status_code == 200


def test_switching_to_a_team_one_is_not_in_is_404(alice_client, bob):
    stranger_team = team_of(bob)
    assert alice_client.post("/teams/switch/", {"team": stranger_team.pk}).status_code == 404
    assert alice_client.post("/teams/switch/", {"team": "x"}).status_code == 404
    assert alice_client.get("/teams/switch/").status_code == 405
    assert Team.objects.of(bob.pk).get() == stranger_team


def test_the_members_page_lists_roles_and_what_they_may(alice_client, northwind):
    page = alice_client.get(MEMBERS)
    for username, role in [("alice", "administrator"), ("carol", "read_only")]:
        assert f'data-member="{username}" data-role="{role}"' in page.text
    assert "downloads no key" in page.text


def test_a_change_by_someone_demoted_while_it_waited_changes_nothing(alice, northwind):
    """The role is checked again under the team's lock: a request that passed the page's
    check just before its sender was demoted is refused."""
    from teams.invitations import invite
    from teams.models import Invitation
    from teams.services import MembershipRefused

    UserFactory(username="erin")
    Membership.objects.filter(team=northwind, user=alice).update(role=Role.FULL_ACCESS)
    with pytest.raises(MembershipRefused, match="no longer an Administrator of alice"):
        invite(northwind, "erin", Role.ADMINISTRATOR, by=alice)
    assert not Invitation.objects.exists()

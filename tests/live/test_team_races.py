"""Two Administrators changing the same team at the same moment, through HTTP against
gunicorn with several worker processes: whatever order the requests land in, the team keeps
an Administrator, each request is told what happened, nobody gets a server error, and every
change is in the operation records once. Runs on SQLite and on PostgreSQL."""

import pytest

from certificates.models import Record
from teams.models import Membership
from teams.roles import Role
from tests.factories import MembershipFactory, UserFactory, team_of
from tests.support.processes import Visitor, at_once

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]
ROUNDS = 5


@pytest.fixture
def admins():
    """alice and erin, both Administrators of alice's team."""
    alice, erin = UserFactory(username="alice"), UserFactory(username="erin")
    team = team_of(alice)
    erin_membership = MembershipFactory(team=team, user=erin, role=Role.ADMINISTRATOR)
    return team, Membership.objects.get(team=team, user=alice), erin_membership


REFUSED = "refused:"


def told(visitors, replies) -> list[str]:
    """What each request was told: the messages of the page a redirect leads to, or the
    refusal of a 403 or 404."""
    said = []
    for visitor, reply in zip(visitors, replies, strict=True):
        assert reply.status in (302, 403, 404), reply.status
        if reply.status == 302:
            for message in visitor.follow(reply).messages:
                refused = "no longer an Administrator" in message or "last Administrator" in message
                said.append(f"{REFUSED} {message}" if refused else message)
        else:
            said.append(f"{REFUSED} {reply.status}")
    return said


def administrators(team) -> int:
    return Membership.objects.filter(team=team, role=Role.ADMINISTRATOR).count()


def test_two_administrators_demoting_each_other_leave_one(server, admins):
    team, alice, erin = admins
    for _ in range(ROUNDS):
        Membership.objects.filter(team=team).update(role=Role.ADMINISTRATOR)
        visitors = [Visitor(server.port, alice.user), Visitor(server.port, erin.user)]
        targets = [erin, alice]  # each demotes the other
        replies = at_once(
            [
                lambda v=v, t=t: v.post(f"/teams/members/{t.pk}/role/", {"role": "read_only"})
                for v, t in zip(visitors, targets, strict=True)
            ]
        )
        said = told(visitors, replies)
        assert administrators(team) == 1, said
        assert sum("is now ReadOnly" in m for m in said) == 1, said
        # The other was refused: checked before the first committed, it waited for the
        # team's lock and found itself demoted; or it came later, and was refused at once.
        assert sum(REFUSED in m for m in said) == 1, said
    assert Record.objects.filter(team=team, action="role_changed").count() == ROUNDS


def test_two_administrators_removing_each_other_leave_one(server, admins):
    team, alice, erin = admins
    visitors = [Visitor(server.port, alice.user), Visitor(server.port, erin.user)]
    replies = at_once(
        [
            lambda: visitors[0].post(f"/teams/members/{erin.pk}/remove/"),
            lambda: visitors[1].post(f"/teams/members/{alice.pk}/remove/"),
        ]
    )
    said = told(visitors, replies)
    assert sum(REFUSED in m for m in said) == 1, said
    assert Membership.objects.filter(team=team).count() == 1
    assert administrators(team) == 1
    (removed,) = Record.objects.filter(team=team, action="member_removed")
    survivor = Membership.objects.get(team=team)
    assert removed.actor == survivor.user  # the survivor removed the other, not the reverse


def test_an_administrator_demoted_meanwhile_cannot_add_members(server, admins):
    team, alice, erin = admins
    UserFactory(username="frank")
    erin_visitor = Visitor(server.port, erin.user)
    assert erin_visitor.get("/teams/members/").status == 200  # her session: Administrator
    Membership.objects.filter(pk=erin.pk).update(role=Role.FULL_ACCESS)
    reply = erin_visitor.post("/teams/members/", {"username": "frank", "role": "administrator"})
    assert reply.status == 403
    assert "yours is FullAccess" in reply.body
    assert not Membership.objects.filter(user__username="frank").exists()

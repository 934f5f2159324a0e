"""Membership (SPEC §9): a user's own team, and members' roles changed and members removed
by an Administrator (people join by invitation: teams/invitations.py) — a team always
keeps at least one Administrator. Every change is in the team's operation records."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from certificates.exceptions import Refused
from certificates.models import Record
from teams.models import Membership, Team
from teams.roles import Role


class MembershipRefused(Refused):
    """A membership change that was not made; the message says why."""


def own_team(user: Any) -> Membership:
    """The user's first team, or — for a user who has none yet (signed up, or created by
    an administrator without a team) — a team of their own, as its Administrator."""
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        first = (
            Membership.objects.filter(user=user)
            .select_related("team")
            .order_by("team__name", "team_id")
            .first()
        )
        if first is not None:
            return first
        team = Team.objects.create(name=user.get_username())
        return Membership.objects.create(team=team, user=user, role=Role.ADMINISTRATOR)


def locked_for_administrator(team: Team, by: Any) -> Team:
    """Lock the team's row: membership changes of one team happen one at a time, so two
    Administrators demoting each other cannot leave it without one. `by` must still be an
    Administrator once the lock is held (another may have demoted or removed them while
    their request waited)."""
    locked = Team.objects.select_for_update().get(pk=team.pk)
    if Membership.objects.role_of(by, locked.pk) != Role.ADMINISTRATOR:
        raise MembershipRefused(
            _(
                "You are no longer an Administrator of %(team)s (changed a moment ago); "
                "nothing was changed."
            )
            % {"team": locked.name}
        )
    return locked


def _last_administrator(membership: Membership, team: Team) -> str:
    """Why the team's last Administrator can be neither demoted nor removed."""
    return _(
        "%(username)s is the last Administrator of %(team)s: make someone else Administrator "
        "first. Nothing was changed."
    ) % {"username": membership.user.get_username(), "team": team.name}


def _administrators_left(team: Team, leaving: Membership) -> int:
    return (
        Membership.objects.filter(team=team, role=Role.ADMINISTRATOR).exclude(pk=leaving.pk).count()
    )


def change_role(membership: Membership, role: Role, *, by: Any) -> Membership:
    """Give a member another role; the last Administrator keeps theirs."""
    with transaction.atomic():
        team = locked_for_administrator(membership.team, by)
        current = Membership.objects.filter(pk=membership.pk).first()
        if current is None:
            raise MembershipRefused(_("This member was removed meanwhile; nothing was changed."))
        if current.role == role:
            return current
        if current.role == Role.ADMINISTRATOR and not _administrators_left(team, current):
            raise MembershipRefused(_last_administrator(current, team))
        before = Role(current.role)
        Membership.objects.filter(pk=current.pk).update(role=role)
        Record.write(
            team_id=team.pk,
            actor=by,
            action="role_changed",
            detail=f"{current.user.get_username()}: {before.in_records} → {Role(role).in_records}",
        )
        current.role = role
    return current


def remove_member(membership: Membership, *, by: Any) -> None:
    """Remove a member; the last Administrator stays."""
    with transaction.atomic():
        team = locked_for_administrator(membership.team, by)
        current = Membership.objects.filter(pk=membership.pk).select_related("user").first()
        if current is None:
            return  # removed meanwhile: nothing left to do
        if current.role == Role.ADMINISTRATOR and not _administrators_left(team, current):
            raise MembershipRefused(_last_administrator(current, team))
        current.delete()
        Record.write(
            team_id=team.pk,
            actor=by,
            action="member_removed",
            detail=f"{current.user.get_username()} ({Role(current.role).in_records})",
        )

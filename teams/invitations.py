"""Invitations (SPEC §9): an Administrator invites a username with a role, and the person
with that username joins only by accepting on their own page, or declines. The team's page
answers alike whether the username exists, so it cannot be used to probe for accounts.
Every step is in the team's operation records."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.models import Record
from teams.models import Invitation, Membership, Team
from teams.roles import Role
from teams.services import MembershipRefused, locked_for_administrator


def sent_message(typed: str, role: Role) -> str:
    """What the Administrator is told, the same whether or not such a user exists."""
    return _(
        "Invitation sent to “%(username)s”, as %(role)s. If that username is someone's, "
        "they see it on their Invitations page and join when they accept it."
    ) % {"username": typed, "role": Role(role).label}


def invite(team: Team, username: str, role: Role, *, by: Any) -> Invitation:
    """Invite whoever has this username, as typed; refused only for what the Administrator
    can already see: a member of the team, or a pending invitation."""
    typed = username.strip()
    if not typed:
        raise MembershipRefused(_("Type the username of the person to invite."))
    with transaction.atomic():
        team = locked_for_administrator(team, by)
        if Membership.objects.filter(team=team, user__username__iexact=typed).exists():
            raise MembershipRefused(
                _("%(username)s is already a member of %(team)s.")
                % {"username": typed, "team": team.name}
            )
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    team=team, username=typed, role=role, invited_by=by
                )
        except IntegrityError:
            raise MembershipRefused(
                _("“%(username)s” is invited already.") % {"username": typed}
            ) from None
        Record.write(
            team_id=team.pk,
            actor=by,
            action="invitation_sent",
            detail=f"{typed} as {Role(role).in_records}",
        )
    return invitation


def revoke(invitation: Invitation, *, by: Any) -> None:
    """Take back a pending invitation (nothing to do if it was answered meanwhile)."""
    with transaction.atomic():
        team = locked_for_administrator(invitation.team, by)
        if not Invitation.objects.filter(pk=invitation.pk).delete()[0]:
            return
        Record.write(
            team_id=team.pk,
            actor=by,
            action="invitation_revoked",
            detail=f"{invitation.username} ({Role(invitation.role).in_records})",
        )


GONE = gettext_lazy("This invitation was revoked or answered meanwhile; nothing was changed.")


def accept(invitation: Invitation, *, user: Any) -> Membership:
    """Join the team with the invitation's role; already a member, one keeps one's role."""
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=invitation.team_id).first()
        if not Invitation.objects.addressed_to(user).filter(pk=invitation.pk).delete()[0]:
            raise MembershipRefused(GONE)
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    team=invitation.team, user=user, role=invitation.role
                )
        except IntegrityError:  # joined meanwhile (another invitation, another tab)
            membership = Membership.objects.get(team=invitation.team, user=user)
        Record.write(
            team_id=invitation.team_id,
            actor=user,
            action="invitation_accepted",
            detail=f"{user.get_username()} as {Role(membership.role).in_records}",
        )
    membership.team = invitation.team
    return membership


def decline(invitation: Invitation, *, user: Any) -> None:
    """Say no: the invitation goes, and the team's records say so."""
    with transaction.atomic():
        if not Invitation.objects.addressed_to(user).filter(pk=invitation.pk).delete()[0]:
            raise MembershipRefused(GONE)
        Record.write(
            team_id=invitation.team_id,
            actor=user,
            action="invitation_declined",
            detail=f"{user.get_username()} ({Role(invitation.role).in_records})",
        )

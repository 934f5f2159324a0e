"""The team a user works in, remembered in their session: the header shows it (and a
switcher for users in several), and the list reads it without a query. The session only
says which team; every page that shows or changes a team's certificates checks the
membership and role in the database."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest

from certificates.permissions import may, refusal
from teams.models import Invitation, Membership, Team
from teams.services import own_team

KEY = "scm_team"


def snapshot(membership: Membership) -> dict:
    """What the session keeps of the team one works in: its id, name and one's role, the
    user's teams for the header's switcher, and how many invitations wait for them (counted
    at sign-in and at each change of team or role, not on every page)."""
    teams = list(Team.objects.of(membership.user_id).values_list("pk", "name"))
    return {
        "id": membership.team_id,
        "name": membership.team.name,
        "role": membership.role,
        "teams": [[pk, name] for pk, name in teams],
        "invitations": Invitation.objects.addressed_to(membership.user).count(),
    }


def remember(request: HttpRequest, membership: Membership) -> dict:
    """Work in this membership's team from now on."""
    current = snapshot(membership)
    request.session[KEY] = current
    return current


def current(request: HttpRequest) -> dict:
    """The team the signed-in user works in, as the session remembers it ({id, name, role,
    teams}); the first time, their first team (or a team of their own, made now)."""
    found = request.session.get(KEY)
    if found is None:
        found = remember(request, own_team(request.user))
    return found


def membership(request: HttpRequest) -> Membership:
    """The user's membership in the current team, read from the database (the session's
    role may be stale after an Administrator changed it, or the user was removed: then they
    work in their first team from now on); the session follows."""
    team = current(request)
    found = (
        Membership.objects.filter(team_id=team["id"], user=request.user)
        .select_related("team", "user")
        .first()
    )
    if found is None:
        found = own_team(request.user)
        remember(request, found)
    elif found.role != team["role"] or found.team.name != team["name"]:
        remember(request, found)
    return found


def require(request: HttpRequest, operation: str) -> Membership:
    """The user's membership in the current team if its role allows the operation
    (certificates.permissions.NEEDS); else 403, saying which role it takes."""
    found = membership(request)
    if not may(found.role, operation):
        raise PermissionDenied(refusal(found.role, operation, found.team.name))
    return found


@receiver(user_logged_in)
def start_in_first_team(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        remember(request, own_team(user))

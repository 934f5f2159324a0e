"""What the teams' commands share: the membership a USERNAME [--team NAME] names."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from teams.models import Membership
from teams.services import own_team


def membership_of(username: str, team: str | None) -> Membership:
    """The user's membership in the team by this name, or in their first team (a team of
    their own if none); CommandError for an unknown user or team."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no user called {username!r}.")
    if not team:
        return own_team(user)
    membership = (
        Membership.objects.filter(user=user, team__name=team)
        .select_related("team", "user")
        .order_by("team_id")
        .first()
    )
    if membership is None:
        raise CommandError(f"{username} is in no team called {team!r}.")
    return membership

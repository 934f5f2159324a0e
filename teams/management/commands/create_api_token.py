"""`manage.py create_api_token USERNAME [--team NAME] [--role ReadOnly|FullAccess|Administrator]
[--expires-days N] [--name NAME]`: a new API token (SPEC §10), printed on the last line."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from teams.models import Membership
from teams.roles import Role
from teams.services import own_team
from teams.tokens import TokenRefused, create_token

ROLES = {role.label.lower(): role for role in Role}


class Command(BaseCommand):
    help = "Create an API token for a member of a team; the token is printed on the last line."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--team", help="the team's name (default: the user's first team)")
        parser.add_argument(
            "--role", default="ReadOnly", help="ReadOnly, FullAccess or Administrator"
        )
        parser.add_argument("--expires-days", type=int, default=None)
        parser.add_argument("--name", default="created with manage.py")

    def handle(self, *args: Any, username: str, team: str | None, role: str, **options: Any):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user called {username!r}.")
        if team:
            membership = (
                Membership.objects.filter(user=user, team__name=team)
                .select_related("team")
                .order_by("team_id")
                .first()
            )
            if membership is None:
                raise CommandError(f"{username} is in no team called {team!r}.")
        else:
            membership = own_team(user)  # their first team (a team of their own if none)
        if role.lower() not in ROLES:
            raise CommandError("--role is ReadOnly, FullAccess or Administrator.")
        try:
            token, raw = create_token(
                membership.team,
                options["name"],
                ROLES[role.lower()],
                by=user,
                expires_days=options["expires_days"],
            )
        except TokenRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stderr.write(
            f"{token.actor_name} for {membership.team.name} as {token.get_role_display()}; "
            "it is shown only now:"
        )
        self.stdout.write(raw)

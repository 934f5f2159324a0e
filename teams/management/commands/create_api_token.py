"""`manage.py create_api_token USERNAME [--team NAME] [--role ReadOnly|FullAccess|Administrator]
[--expires-days N] [--name NAME]`: a new API token (SPEC §10), printed on the last line."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from teams.management.lookup import membership_of
from teams.roles import Role
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
        membership = membership_of(username, team)
        user = membership.user
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

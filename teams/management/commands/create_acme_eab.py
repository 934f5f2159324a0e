"""`manage.py create_acme_eab USERNAME [--team NAME]`: a new External Account Binding key for
ACME clients (SPEC §11), printed as `KEY_ID HMAC_KEY` on the last line."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from certificates.exceptions import AcmeKeyRefused
from certificates.services.acme_accounts import create_key
from teams.management.lookup import membership_of


class Command(BaseCommand):
    help = "Create an ACME External Account Binding key; prints KEY_ID HMAC_KEY on the last line."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--team", help="the team's name (default: the user's first team)")

    def handle(self, *args: Any, username: str, team: str | None, **options: Any) -> None:
        membership = membership_of(username, team)
        try:
            key, hmac = create_key(membership.team, by=membership.user)
        except AcmeKeyRefused as refusal:
            raise CommandError(str(refusal)) from None
        self.stderr.write(
            f"An ACME key for {membership.team.name}; the HMAC key is shown only now. "
            "Pass both to the ACME client (certbot: --eab-kid KEY_ID --eab-hmac-key=HMAC_KEY):"
        )
        self.stdout.write(f"{key.key_id} {hmac}")

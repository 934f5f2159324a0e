from typing import Any

from django.core.management.base import BaseCommand

from certificates.services.issuance import init_ca


class Command(BaseCommand):
    help = "Create the built-in CA: a root and an issuing CA per brand (keys encrypted at rest)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--rotate", action="store_true", help="replace every brand's CAs with new ones"
        )

    def handle(self, *args: Any, rotate: bool, **options: Any) -> None:
        created = init_ca(rotate=rotate)
        if not created:
            self.stdout.write("The CA exists already (use --rotate to replace it).")
        for authority in created:
            self.stdout.write(f"Created {authority.get_kind_display()}: {authority.name}")

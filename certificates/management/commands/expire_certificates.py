from typing import Any

from django.core.management.base import BaseCommand

from certificates.services.expiry import expire_and_warn
from certificates.tasks import schedule_daily_maintenance


class Command(BaseCommand):
    help = "Expire certificates past their end date and send the 30- and 7-day notices."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--schedule", action="store_true", help="also queue the daily job for the worker"
        )

    def handle(self, *args: Any, schedule: bool, **options: Any) -> None:
        expired, warned = expire_and_warn()
        self.stdout.write(f"{expired} certificates expired, {warned} expiry notices sent.")
        if schedule and schedule_daily_maintenance():
            self.stdout.write("The daily job is queued for the worker.")

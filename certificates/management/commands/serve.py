"""`make serve`: the production shape on this machine — gunicorn with several web workers
and several task workers against DATABASE_URL; Ctrl-C stops them all."""

import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from certificates.management.processes import Child, supervise, task_worker


class Command(BaseCommand):
    help = "Run gunicorn and task workers (the production shape) until Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--web-workers", type=int, default=4)
        parser.add_argument("--task-workers", type=int, default=2)

    def handle(self, *args: Any, bind: str, web_workers: int, task_workers: int, **kw: Any) -> None:
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            raise CommandError("make serve runs against PostgreSQL: set DATABASE_URL.")
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "scm_console.wsgi",
            "--bind",
            bind,
            "--workers",
            str(web_workers),
            "--access-logfile",
            "-",
            # Access lines without the tokens of emailed validation links.
            "--logger-class",
            "scm_console.log_filters.GunicornLogger",
        ]
        children = [Child(gunicorn).start()]
        # The daily round (expiry, fresh CRLs, OCSP responders, ACME clean-up) is queued once
        # and re-queues itself; a queued one is kept.
        call_command("expire_certificates", schedule=True)
        children += [task_worker().start() for _ in range(task_workers)]
        self.stdout.write(
            f"Serving on http://{bind}/ with {web_workers} web and {task_workers} task workers."
        )
        supervise(children, grace=15)

"""A task worker (django-tasks-db's db_worker) that also puts abandoned jobs back in the
queue: a job still "running" long after any job could take was left by a worker that died
(killed, out of memory, the machine restarted). Every job here is idempotent, so running it
again is safe; `make worker`, `make serve` and `make run` start this."""

import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from certificates.jobs import requeue_abandoned


class Command(BaseCommand):
    help = "Run a task worker on every queue, re-queueing jobs whose worker died."

    def handle(self, *args, **options) -> None:
        requeue_abandoned()
        stop = threading.Event()

        def sweep() -> None:
            while not stop.wait(settings.SCM_TASK_SWEEP_SECONDS):
                close_old_connections()
                requeue_abandoned()

        sweeper = threading.Thread(target=sweep, name="requeue-abandoned", daemon=True)
        sweeper.start()
        try:
            call_command("db_worker", queue_name="*", interval=settings.SCM_TASK_POLL_SECONDS)
        finally:
            stop.set()

"""A task worker (django-tasks-db's db_worker) that also puts abandoned jobs back in the
queue: a job still "running" long after any job could take was left by a worker that died
(killed, out of memory, the machine restarted). Every job here is idempotent, so running it
again is safe; `make worker`, `make serve` and `make run` start this."""

import logging
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django_tasks_db.management.commands import db_worker

from certificates.tasks import requeue_abandoned

RETRY_SECONDS = 2


class Worker(db_worker.Command):
    """django-tasks-db's worker, whose -v 0 keeps its warnings and failures (its own -v 0
    hides everything): `make run` starts it so, to print no line for each task."""

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(max(verbosity, 1))
        if verbosity == 0:
            for name in (db_worker.TASKS_LOGGER, db_worker.logger.name):
                logging.getLogger(name).setLevel(logging.WARNING)


class Command(BaseCommand):
    help = "Run a task worker on every queue, re-queueing jobs whose worker died."

    def handle(self, *args, **options) -> None:
        stop = threading.Event()

        def sweep() -> None:
            # The first sweep at once (a worker starting after a crash takes over what the
            # dead one left), then every SCM_TASK_SWEEP_SECONDS. The database may be away
            # at any of them, the first included: the worker starts all the same.
            while True:
                close_old_connections()
                try:
                    requeue_abandoned()
                except (OperationalError, InterfaceError):
                    connections.close_all()  # the database is away: try at the next sweep
                if stop.wait(settings.SCM_TASK_SWEEP_SECONDS):
                    return

        sweeper = threading.Thread(target=sweep, name="requeue-abandoned", daemon=True)
        sweeper.start()
        try:
            while True:
                try:
                    call_command(
                        Worker(),
                        queue_name="*",
                        interval=settings.SCM_TASK_POLL_SECONDS,
                        verbosity=options["verbosity"],
                    )
                    return  # stopped by a signal
                except (OperationalError, InterfaceError) as lost:
                    # The database went away (restart, failover): wait and carry on; the
                    # job that was running, if any, is re-queued once it is abandoned.
                    self.stderr.write(f"Database unavailable ({lost}); retrying.")
                    connections.close_all()
                    time.sleep(RETRY_SECONDS)
        finally:
            stop.set()

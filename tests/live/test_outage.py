"""The database stops for a few seconds under a running console (PostgreSQL: the server is
stopped and started again). Meanwhile pages answer 503 with Retry-After; afterwards the
web workers and the task worker carry on by themselves, and the job that was due runs once.
SQLite is a file inside the web process: there is no server to stop, so this runs in the
PostgreSQL half of CI."""

import subprocess
from pathlib import Path

import pytest
from django.db import connection, connections
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from certificates import tasks
from certificates.choices import DomainStatus
from certificates.models import Domain
from tests.factories import CertificateFactory
from tests.support.processes import Gunicorn, Visitor, task_workers, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]


def cluster(action: str) -> None:
    version = sorted(Path("/etc/postgresql").iterdir())[-1].name
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, "-m", "fast"]
        if action == "stop"
        else ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        check=True,
        capture_output=True,
        timeout=60,
    )


def database_is_up() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], timeout=10).returncode == 0


def test_the_console_and_its_workers_ride_out_a_database_restart(dns_zone):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no database server to stop (CI runs this on PostgreSQL)")
    if not Path("/etc/postgresql").exists():
        pytest.skip("this PostgreSQL is not a local cluster the test may restart")
    certificate = CertificateFactory(domain=True, primary_domain="outage.example.com")
    domain = certificate.domains.get()
    dns_zone.txt(domain.txt_name, domain.token)
    server = Gunicorn(workers=2)
    owner = Visitor(server.port, certificate.owner)
    try:
        with task_workers(1, SCM_TASK_SWEEP_SECONDS="0.5"):
            assert owner.get("/certificates/").status == 200
            connections.close_all()  # this process's own connection goes down with it
            cluster("stop")
            try:
                during = owner.get("/certificates/")
                assert during.status == 503
                assert during.headers["Retry-After"] == "5"
                assert "cannot reach its database" in during.body
            finally:
                cluster("start")
                wait_until(database_is_up, timeout=60, what="PostgreSQL to start again")
            wait_until(
                lambda: owner.get("/certificates/").status == 200,
                timeout=30,
                what="the console to answer again",
            )
            # The worker lost its connection too; a job queued now still runs, once.
            tasks.check_domain.enqueue(domain.pk, domain.token)
            wait_until(
                lambda: Domain.objects.get(pk=domain.pk).status == DomainStatus.VERIFIED,
                timeout=60,
                what="the worker to verify the domain after the restart",
            )
    finally:
        server.stop()
    assert Domain.objects.get(pk=domain.pk).checks == 1
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()


@pytest.mark.django_db(transaction=False)
def test_a_task_worker_started_while_the_database_is_away_waits_for_it(tmp_path):
    """A worker (re)started during an outage — `make serve` restarts one that exits — must
    not die on its first database query; it waits and carries on once the database is back."""
    import sys

    from tests.support.processes import ROOT, child_env

    env = child_env(SQLITE_PATH=str(tmp_path / "missing" / "db.sqlite3"))
    env.pop("DATABASE_URL", None)  # a database that cannot be opened, on either engine
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "task_worker"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            worker.wait(timeout=6)  # still running: it did not give up
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=15)
    assert "Database unavailable" in errors
    assert "Traceback" not in errors

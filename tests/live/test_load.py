"""Load: simulated browsers poll their lists against gunicorn while staff approve
organizations in the admin and a task worker verifies domains — on SQLite (WAL) and on
PostgreSQL. Zero errors, zero "database is locked"; the poll latencies are reported.

CI runs a short variant (20 browsers, 8 s); `make stress` the full one (100 browsers for
60 s): SCM_STRESS_BROWSERS and SCM_STRESS_SECONDS set the size. Loopback only; it stops by
itself."""

import json
import os
import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from certificates.choices import DomainStatus, Status
from certificates.models import Certificate, Domain
from tests.factories import CertificateFactory, UserFactory, submitted
from tests.support.admin_forms import change_form
from tests.support.processes import ROOT, Gunicorn, Visitor, task_workers, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]

BROWSERS = int(os.environ.get("SCM_STRESS_BROWSERS", "20"))
SECONDS = float(os.environ.get("SCM_STRESS_SECONDS", "8"))
POLL_EVERY = 1.0  # seconds between two polls of one browser


def poll_url(html: str) -> str | None:
    found = re.search(r'hx-get="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_browsers_poll_while_staff_approve_and_the_worker_verifies(dns_zone, validator, capsys):
    applicants = [UserFactory(username=f"load{i}") for i in range(BROWSERS)]
    reviews = [CertificateFactory(owner=user, ov=True, org=True) for user in applicants]
    checks = []
    for index, user in enumerate(applicants):
        verifying = submitted(user, primary_domain=f"load{index}.example.com")
        domain = verifying.domains.get()
        dns_zone.txt(domain.txt_name, domain.token)  # published: the worker will verify it
        checks.append(verifying)
    # The submissions queued their first checks a minute ahead: make them due now.
    now = timezone.now()
    Domain.objects.filter(certificate__in=checks).update(next_check_at=now)
    DBTaskResult.objects.filter(task_path__endswith=".check_domain").update(run_after=now)

    server = Gunicorn(workers=4)
    latencies, errors, approvals = [], [], []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS + 5  # for the staff, who start at once

    # Sessions are made here: threads that touched the ORM would each hold a database
    # connection (a hundred of them exhaust PostgreSQL's default max_connections).
    visitors = [Visitor(server.port, user) for user in applicants]
    staff = Visitor(server.port, validator)

    def browse(visitor) -> None:
        page = visitor.get("/certificates/")
        if page.status != 200:
            errors.append(f"list: {page.status}")
            return
        url = poll_url(page.body) or "/certificates/?fp=none"
        until = time.monotonic() + SECONDS
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                reply = visitor.get(url, HX_Request="true")
            except OSError as failed:
                with lock:
                    errors.append(f"poll: {failed}")
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if reply.status not in (200, 204):
                    errors.append(f"poll: {reply.status}")
            if reply.status == 200:
                url = poll_url(reply.body) or url
            time.sleep(POLL_EVERY)

    def approve() -> None:
        for certificate in reviews:
            if time.monotonic() > deadline:
                break
            change, form = change_form(staff, certificate)
            reply = staff.post(change, {**form, "_fsm_transition_to": "verify_organization"})
            with lock:
                (approvals if reply.status == 302 else errors).append(reply.status)

    try:
        with task_workers(1), ThreadPoolExecutor(BROWSERS + 1) as pool:
            futures = [pool.submit(browse, visitor) for visitor in visitors]
            futures.append(pool.submit(approve))
            for future in futures:
                future.result()
            wait_until(
                lambda: (
                    not Domain.objects.filter(
                        certificate__in=checks, status=DomainStatus.PENDING
                    ).exists()
                ),
                timeout=60,
                what="the worker to verify every domain",
            )
    finally:
        server.stop()
    log = server.log()

    latencies.sort()
    figures = {
        "browsers": BROWSERS,
        "seconds": SECONDS,
        "database": connection.vendor,
        "polls": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1),
        "max_ms": round(latencies[-1], 1),
        "errors": len(errors),
        "approvals": len(approvals),
        "verified": Certificate.objects.filter(pk__in=[c.pk for c in checks])
        .exclude(status=Status.PENDING_DOMAIN_VERIFICATION)
        .count(),
    }
    with capsys.disabled():
        print(f"\nload: {json.dumps(figures)}")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"stress-{figures['database']}-{BROWSERS}x{int(SECONDS)}s.json").write_text(
        json.dumps(figures, indent=2)
    )
    assert not errors, errors[:20]
    assert "database is locked" not in log and "Traceback" not in log, log[-3000:]
    # Each browser polled through the run (a slow machine stretches the intervals).
    assert figures["polls"] >= BROWSERS * SECONDS / POLL_EVERY * 0.3
    assert figures["verified"] == BROWSERS
    assert len(approvals) == min(BROWSERS, len(reviews)) or time.monotonic() > deadline

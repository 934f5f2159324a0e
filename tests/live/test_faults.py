"""Faults with real processes: a task worker killed (SIGKILL) in the middle of a domain
check, a web worker killed in the middle of an issuance. Afterwards nothing is half done,
no job is lost or done twice, and everything recovers by itself."""

import os
import signal
import threading

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from certificates import tasks
from certificates.choices import DomainStatus, Status
from certificates.models import Certificate, Domain, StateChange
from tests.factories import CertificateFactory
from tests.support.admin_forms import change_form
from tests.support.processes import Gunicorn, Visitor, task_workers, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]
# Short clocks: a dead checker's lease and a dead worker's job are noticed in seconds.
FAST_RECOVERY = {
    "SCM_DNS_TIMEOUT": "10",
    "SCM_CHECK_LEASE_SECONDS": "3",
    "SCM_TASK_TIMEOUT_SECONDS": "2",
    "SCM_TASK_SWEEP_SECONDS": "0.5",
}


def kill_web_workers_during(server: Gunicorn, request, *, when, what: str) -> None:
    """Send the request from a thread, SIGKILL every gunicorn worker once `when` holds,
    and check that the request died with its worker (no answer, or a 5xx)."""
    outcome = {}

    def send() -> None:
        try:
            outcome["reply"] = request()
        except OSError as failed:  # the worker died under the request
            outcome["error"] = failed

    sending = threading.Thread(target=send)
    sending.start()
    wait_until(when, what=what)
    for pid in server.worker_pids():
        os.kill(pid, signal.SIGKILL)
    sending.join(timeout=30)
    assert "error" in outcome or outcome["reply"].status >= 500


def test_a_task_worker_killed_mid_check_is_replaced_and_the_check_done_once(dns_zone):
    certificate = CertificateFactory(domain=True, primary_domain="fault.example.com")
    domain = certificate.domains.get()
    dns_zone.txt(domain.txt_name, domain.token)
    dns_zone.slow[domain.txt_name] = 4  # the check waits on DNS: time to kill its worker
    tasks.check_domain.enqueue(domain.pk, domain.token)

    with task_workers(1, **FAST_RECOVERY) as [worker]:
        wait_until(
            lambda: Domain.objects.filter(pk=domain.pk, checking_until__isnull=False).exists(),
            what="the check to start",
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()

    domain.refresh_from_db()
    assert domain.checks == 0 and domain.status == DomainStatus.PENDING  # nothing recorded
    job = DBTaskResult.objects.get(task_path__endswith=".check_domain")
    assert job.status == TaskResultStatus.RUNNING  # abandoned by the dead worker

    dns_zone.slow.clear()
    with task_workers(1, **FAST_RECOVERY):
        wait_until(
            lambda: Domain.objects.get(pk=domain.pk).status == DomainStatus.VERIFIED,
            timeout=60,
            what="another worker to finish the check",
        )
        wait_until(
            lambda: not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists(),
            what="the re-queued job to finish",
        )
    domain.refresh_from_db()
    assert domain.checks == 1  # done once, by the worker that took over
    job.refresh_from_db()
    assert job.status == TaskResultStatus.SUCCESSFUL
    certificate.refresh_from_db()
    assert certificate.status in (Status.TO_BE_ISSUED, Status.ISSUED)
    assert StateChange.objects.filter(certificate=certificate, action="verify_domains").count() == 1


def test_a_web_worker_killed_mid_issuance_issues_nothing_and_a_retry_issues_once(dns_zone, issuer):
    certificate = CertificateFactory(ready=True, primary_domain="killed.example.com")
    dns_zone.slow["killed.example.com"] = 4  # issuance first looks up CAA: time to kill
    server = Gunicorn(workers=2, SCM_CHECK_CAA="1", SCM_DNS_TIMEOUT="10")
    try:
        staff = Visitor(server.port, issuer)
        url, form = change_form(staff, certificate)
        press = {**form, "_fsm_transition_to": "issue"}
        kill_web_workers_during(
            server,
            lambda: staff.post(url, press),
            when=lambda: dns_zone.queries[("killed.example.com", "CAA")] > 0,
            what="the issuance to reach its CAA lookup",
        )

        certificate.refresh_from_db()
        assert certificate.status == Status.TO_BE_ISSUED
        assert not certificate.certificate_pem and not certificate.serial_number
        assert not StateChange.objects.filter(certificate=certificate, action="issue").exists()

        dns_zone.slow.clear()
        wait_until(lambda: len(server.worker_pids()) == 2, what="gunicorn to replace its workers")
        retry = staff.post(url, press)
        assert retry.status == 302
        assert any("issued" in m.lower() for m in staff.follow(retry).messages)
    finally:
        server.stop()
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED and certificate.certificate_pem
    assert StateChange.objects.filter(certificate=certificate, action="issue").count() == 1
    assert Certificate.objects.filter(status=Status.ISSUED, certificate_pem="").count() == 0


def test_a_task_worker_killed_mid_issuance_is_replaced_and_issues_once(dns_zone):
    certificate = CertificateFactory(ready=True, primary_domain="sign.example.com")
    dns_zone.slow["sign.example.com"] = 4  # the job's CAA lookup: time to kill its worker
    tasks.issue.enqueue(certificate.pk)
    env = {**FAST_RECOVERY, "SCM_CHECK_CAA": "1"}

    with task_workers(1, **env) as [worker]:
        wait_until(
            lambda: dns_zone.queries[("sign.example.com", "CAA")] > 0,
            what="the issuance to reach its CAA lookup",
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()

    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED and not certificate.certificate_pem
    dns_zone.slow.clear()
    with task_workers(1, **env):
        wait_until(
            lambda: Certificate.objects.get(pk=certificate.pk).status == Status.ISSUED,
            timeout=60,
            what="another worker to take the job over",
        )
    certificate.refresh_from_db()
    assert certificate.certificate_pem and certificate.serial_number
    assert StateChange.objects.filter(certificate=certificate, action="issue").count() == 1
    job = DBTaskResult.objects.get(task_path__endswith=".issue")
    assert job.status == TaskResultStatus.SUCCESSFUL and job.return_value == "issued"


def test_a_web_worker_killed_mid_verify_now_leaves_the_domain_to_check_again(dns_zone):
    certificate = CertificateFactory(domain=True, primary_domain="press.example.com")
    domain = certificate.domains.get()
    dns_zone.txt(domain.txt_name, domain.token)
    dns_zone.slow[domain.txt_name] = 4  # "Verify now" waits on DNS: time to kill
    server = Gunicorn(workers=2, SCM_DNS_TIMEOUT="10", SCM_CHECK_LEASE_SECONDS="3")
    try:
        owner = Visitor(server.port, certificate.owner)
        url = f"/certificates/{certificate.pk}/verify/"
        kill_web_workers_during(
            server,
            lambda: owner.post(url),
            when=lambda: Domain.objects.filter(pk=domain.pk, checking_until__isnull=False).exists(),
            what="the check to start",
        )

        domain.refresh_from_db()
        assert domain.checks == 0 and domain.status == DomainStatus.PENDING  # nothing recorded
        dns_zone.slow.clear()
        wait_until(lambda: len(server.worker_pids()) == 2, what="gunicorn to replace its workers")
        # The dead request's lease runs out (3 s here, a minute by default); then the
        # button works again and the domain is checked once.
        wait_until(  # as htmx asks: a press refused while the lease holds is a 409
            lambda: owner.post(url, HX_Request="true").status == 302,
            timeout=30,
            what="Verify now to work again",
        )
    finally:
        server.stop()
    domain.refresh_from_db()
    assert domain.checks == 1 and domain.status == DomainStatus.VERIFIED

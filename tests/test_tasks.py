"""The background jobs (certificates/tasks.py), each run on real rows as the worker runs it
(Task.call) and queued on the database backend: what it does, that running it twice does
it once, and how it is tried again."""

import datetime as dt
import logging

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from certificates import tasks
from certificates.choices import DomainStatus, Status
from certificates.models import AcmeNonce, Certificate, Domain, StateChange
from tests.factories import CertificateFactory, submitted
from tests.support.follow_ups import queued

# check_domain


def test_the_task_rechecks_with_backoff_and_is_idempotent(alice, dns_zone):
    certificate = submitted(alice)
    domain = certificate.domains.get()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        assert tasks.check_domain.call(domain.pk, domain.token) == "checked"
        assert tasks.check_domain.call(domain.pk, domain.token) == "not due yet"  # re-run
    domain.refresh_from_db()
    assert domain.checks == 1
    assert dns_zone.queries[(domain.txt_name, "TXT")] == 1


def test_a_check_queues_the_next_once_however_often_it_runs(alice, dns_zone):
    certificate = submitted(alice)
    domain = certificate.domains.get()
    (first,) = queued("check_domain", domain.pk, domain.token)  # the submission's
    with time_machine.travel(first.run_after, tick=False):
        tasks.check_domain.call(domain.pk, domain.token)
        tasks.check_domain.call(domain.pk, domain.token)  # the same job, run again
    domain.refresh_from_db()
    following = [job for job in queued("check_domain", domain.pk, domain.token) if job != first]
    assert [job.run_after for job in following] == [domain.next_check_at]
    assert domain.recheck_queued_for == domain.next_check_at


def test_a_domain_another_checker_holds_is_looked_at_when_its_lease_runs_out(alice, dns_zone):
    certificate = submitted(alice)
    domain = certificate.domains.get()
    now = timezone.now()
    lease_ends = now + dt.timedelta(seconds=90)
    Domain.objects.filter(pk=domain.pk).update(
        next_check_at=now - dt.timedelta(seconds=1), checking_until=lease_ends
    )
    DBTaskResult.objects.all().delete()

    assert tasks.check_domain.call(domain.pk, domain.token) == "another checker has it"

    assert not dns_zone.queries
    assert [job.run_after for job in queued("check_domain", domain.pk, domain.token)] == [
        lease_ends
    ]


def test_a_verified_domain_ends_its_chain(alice, dns_zone):
    certificate = submitted(alice, ov=True)
    domain = certificate.domains.get()
    dns_zone.txt(domain.txt_name, domain.token)
    DBTaskResult.objects.all().delete()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        assert tasks.check_domain.call(domain.pk, domain.token) == "checked"
        assert tasks.check_domain.call(domain.pk, domain.token) == "nothing to check"
    assert Domain.objects.get(pk=domain.pk).status == DomainStatus.VERIFIED
    assert queued("check_domain") == []


def test_a_superseded_chain_stops(alice, dns_zone):
    """Verification restarted (failed, edited, submitted again): the old chain's job finds
    its token gone, checks nothing and queues nothing; the new chain owns the domain."""
    certificate = submitted(alice)
    domain = certificate.domains.get()
    old_token = domain.token
    certificate.run_transition("reject", by=None, reason="Wrong domain.")
    certificate.run_transition("edit", by=alice)
    certificate.run_transition("submit", by=alice)
    DBTaskResult.objects.filter(args_kwargs__args=[domain.pk, old_token]).delete()
    with time_machine.travel(timezone.now() + dt.timedelta(days=1), tick=False):
        assert tasks.check_domain.call(domain.pk, old_token) == "superseded"
    assert not dns_zone.queries
    assert queued("check_domain", domain.pk, old_token) == []
    assert Domain.objects.get(pk=domain.pk).checks == 0


# check_soon


def test_check_soon_makes_a_pending_domain_due_now_and_queues_its_check(alice):
    certificate = submitted(alice)
    domain = certificate.domains.get()
    DBTaskResult.objects.all().delete()
    with time_machine.travel(timezone.now(), tick=False):
        tasks.check_soon(domain)
        now = timezone.now()
    assert Domain.objects.get(pk=domain.pk).next_check_at == now
    (job,) = queued("check_domain", domain.pk, domain.token)
    assert job.task.run_after is None  # at once


def test_check_soon_leaves_a_domain_no_longer_pending_alone(alice):
    certificate = submitted(alice)
    domain = certificate.domains.get()
    Domain.objects.filter(pk=domain.pk).update(status=DomainStatus.VERIFIED, next_check_at=None)
    DBTaskResult.objects.all().delete()
    tasks.check_soon(domain)
    assert Domain.objects.get(pk=domain.pk).next_check_at is None
    assert queued("check_domain") == []


# issue


def test_issue_signs_an_application_at_90_percent_once(alice):
    certificate = CertificateFactory(owner=alice, ready=True)
    assert tasks.issue.call(certificate.pk) == "issued"
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED
    assert certificate.certificate_pem.startswith("-----BEGIN CERTIFICATE-----")
    serial = certificate.serial_number

    assert tasks.issue.call(certificate.pk) == "not waiting for issuance"  # run again
    certificate.refresh_from_db()
    assert certificate.serial_number == serial
    assert StateChange.objects.filter(certificate=certificate, action="issue").count() == 1


@pytest.mark.parametrize("state", ["domain", "org", "failed", "withdrawing"])
def test_issue_leaves_an_application_not_at_90_percent_alone(alice, state):
    certificate = CertificateFactory(owner=alice, ov=True, **{state: True})
    before = certificate.status
    assert tasks.issue.call(certificate.pk) == "not waiting for issuance"
    assert Certificate.objects.get(pk=certificate.pk).status == before


def test_issue_without_a_csr_says_why_and_changes_nothing(alice):
    certificate = CertificateFactory(owner=alice, ready=True, csr_pem="")
    said = tasks.issue.call(certificate.pk)
    assert "the CSR has not arrived" in said
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED
    assert queued("issue") == []  # not tried again: the ACME client's finalize queues it


def test_caa_for_another_ca_fails_an_automatic_issue(alice, dns_zone, settings):
    settings.SCM_CHECK_CAA = True
    certificate = CertificateFactory(owner=alice, ready=True, primary_domain="www.example.com")
    dns_zone.caa("example.com", "issue", "other-ca.example")
    tasks.issue.call(certificate.pk)
    certificate.refresh_from_db()
    assert certificate.status == Status.APPLICATION_FAILED
    assert "allows other-ca.example to issue for www.example.com" in certificate.failure_reason


def test_unreachable_caa_retries_later(alice, dns_zone, settings):
    settings.SCM_CHECK_CAA = True
    settings.SCM_DNS_TIMEOUT = 0.3
    certificate = CertificateFactory(owner=alice, ready=True, primary_domain="www.example.com")
    dns_zone.silent.add("www.example.com")
    asked = timezone.now()  # (not a frozen clock: the resolver's timeout runs on it)
    assert "Issuance waits" in tasks.issue.call(certificate.pk)
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED
    (retry,) = queued("issue", certificate.pk)
    assert (
        asked + tasks.RETRY_ISSUE_AFTER
        <= retry.run_after
        <= timezone.now() + tasks.RETRY_ISSUE_AFTER
    )


# daily_maintenance and its schedule


def test_the_daily_job_expires_forgets_and_comes_back_a_day_later(alice):
    past = CertificateFactory(
        owner=alice, issued=True, not_after=timezone.now() - dt.timedelta(minutes=1)
    )
    current = CertificateFactory(owner=alice, issued=True)
    AcmeNonce.objects.create(value="old", created_at=timezone.now() - dt.timedelta(hours=2))
    AcmeNonce.objects.create(value="new")
    with time_machine.travel(timezone.now(), tick=False):
        said = tasks.daily_maintenance.call()
        tomorrow = timezone.now() + dt.timedelta(days=1)

    assert said.startswith("1 expired, ")
    assert "6 CRLs signed" in said and "1 nonces forgotten" in said
    assert Certificate.objects.get(pk=past.pk).status == Status.EXPIRED
    assert Certificate.objects.get(pk=current.pk).status == Status.ISSUED
    assert list(AcmeNonce.objects.values_list("value", flat=True)) == ["new"]
    assert [job.run_after for job in queued("daily_maintenance")] == [tomorrow]

    again = tasks.daily_maintenance.call()  # a retry of the same day's job
    assert again.startswith("0 expired, 0 notices sent, ")
    assert len(queued("daily_maintenance")) == 1  # still one chain


def test_the_daily_job_is_queued_once(db):
    assert tasks.schedule_daily_maintenance() is True
    assert tasks.schedule_daily_maintenance() is False
    (job,) = queued("daily_maintenance")
    job.status = TaskResultStatus.SUCCESSFUL
    job.save()
    assert tasks.schedule_daily_maintenance() is True  # the last one ran: queue the next
    assert len(queued("daily_maintenance")) == 2


def test_the_expire_command_schedules_the_daily_job_when_asked(db, capsys):
    call_command("expire_certificates")
    assert queued("daily_maintenance") == []
    call_command("expire_certificates", schedule=True)
    call_command("expire_certificates", schedule=True)
    assert len(queued("daily_maintenance")) == 1
    assert capsys.readouterr().out.count("The daily job is queued for the worker.") == 1


# requeue_abandoned


def started(job: DBTaskResult, seconds_ago: float) -> DBTaskResult:
    job.status = TaskResultStatus.RUNNING
    job.started_at = timezone.now() - dt.timedelta(seconds=seconds_ago)
    job.save()
    return job


def test_jobs_left_running_past_the_timeout_are_queued_again(alice, settings, caplog):
    settings.SCM_TASK_TIMEOUT_SECONDS = 300
    certificates = CertificateFactory.create_batch(3, owner=alice, ready=True)
    for certificate in certificates:
        tasks.issue.enqueue(certificate.pk)
    abandoned, running, waiting = (queued("issue", c.pk)[0] for c in certificates)
    started(abandoned, 301)
    started(running, 299)

    with caplog.at_level(logging.WARNING, logger="certificates.tasks"):
        assert tasks.requeue_abandoned() == 1
    assert "Re-queued 1 job(s)" in caplog.text

    for job in (abandoned, running, waiting):
        job.refresh_from_db()
    assert (abandoned.status, abandoned.started_at) == (TaskResultStatus.READY, None)
    assert running.status == TaskResultStatus.RUNNING
    assert waiting.status == TaskResultStatus.READY
    assert tasks.requeue_abandoned() == 0  # nothing else to put back


@pytest.mark.django_db(transaction=True)
def test_an_abandoned_issue_runs_again_and_issues_once(alice, settings):
    settings.SCM_TASK_TIMEOUT_SECONDS = 1
    certificate = CertificateFactory(owner=alice, ready=True)
    tasks.issue.enqueue(certificate.pk)
    (job,) = queued("issue", certificate.pk)
    started(job, 60)  # its worker died while it ran
    tasks.issue.enqueue(certificate.pk)  # and the follow-up queued it twice

    assert tasks.requeue_abandoned() == 1
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0.01)

    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED
    assert StateChange.objects.filter(certificate=certificate, action="issue").count() == 1
    results = sorted(j.return_value for j in queued("issue", certificate.pk))
    assert results == ["issued", "not waiting for issuance"]

"""The verification workflow (services/domain_checks.py): re-checks with backoff, deadline,
workers, email links through their page, and what follows (organization reuse, automatic DV
issuance, a CAA refusal shown to staff). The jobs on their own: tests/test_tasks.py; the
methods and the link's rules: tests/services/test_domain_methods.py; the simulated CA is
the demo's (tests/demo/test_simulated_ca.py)."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from certificates import tasks
from certificates.choices import DomainStatus, Method, Status
from certificates.exceptions import TransitionRefused
from certificates.models import Certificate, Domain, StateChange
from certificates.services import domain_checks, domain_methods
from tests.factories import CertificateFactory, OrganizationFactory, submitted


def publish(zone, certificate) -> None:
    for domain in certificate.domains.all():
        zone.txt(domain.txt_name, domain.token)


def queued(name: str) -> list[DBTaskResult]:
    return [t for t in DBTaskResult.objects.all() if t.task_path.endswith(f".{name}")]


def test_backoff_doubles_from_a_minute_up_to_an_hour(settings):
    settings.SCM_RECHECK_FIRST_SECONDS = 60
    settings.SCM_RECHECK_MAX_SECONDS = 3600
    schedule = [domain_checks.delay_after(n).total_seconds() for n in range(9)]
    assert schedule == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


def test_submit_restarts_verification_and_queues_a_check_per_domain(alice):
    certificate = CertificateFactory(owner=alice, domains=["api.example.com"])
    old_tokens = set(certificate.domains.values_list("token", flat=True))
    certificate.run_transition("submit", by=alice)
    domains = list(certificate.domains.all())
    assert {d.status for d in domains} == {DomainStatus.PENDING}
    assert not old_tokens & {d.token for d in domains}
    checks = queued("check_domain")
    assert len(checks) == 2
    assert all(
        dt.timedelta(seconds=55) < t.run_after - timezone.now() <= dt.timedelta(seconds=60)
        for t in checks
    )


def test_check_waits_until_due_unless_forced(alice, dns_zone):
    certificate = submitted(alice)
    domain = certificate.domains.get()
    assert domain_checks.check_domain(domain.pk) == domain_checks.Outcome.NOT_DUE
    assert not dns_zone.queries
    assert domain_checks.check_domain(domain.pk, force=True) == domain_checks.Outcome.CHECKED
    domain.refresh_from_db()
    assert domain.last_result == f"TXT record {domain.txt_name} not found (NXDOMAIN)."
    assert domain.checks == 1
    assert domain.next_check_at - domain.last_checked_at == dt.timedelta(seconds=120)


def test_dv_passes_then_is_issued_automatically(alice, dns_zone):
    certificate = submitted(alice)
    publish(dns_zone, certificate)
    domain_checks.check_domain(certificate.domains.get().pk, force=True)
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED
    assert [
        entry.actor
        for entry in StateChange.objects.filter(certificate=certificate).filter(
            action="verify_domains"
        )
    ] == [None]
    (job,) = queued("issue")
    tasks.issue.call(certificate.pk)
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED


def test_dv_in_manual_review_waits_for_staff(alice, dns_zone):
    certificate = submitted(alice, manual_review=True)
    publish(dns_zone, certificate)
    domain_checks.check_domain(certificate.domains.get().pk, force=True)
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED
    assert queued("issue") == []


def test_every_domain_must_pass(alice, dns_zone):
    certificate = submitted(alice, domains=["api.example.com"])
    primary, extra = certificate.domains.all()
    dns_zone.txt(primary.txt_name, primary.token)
    for domain in (primary, extra):
        domain_checks.check_domain(domain.pk, force=True)
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION
    dns_zone.txt(extra.txt_name, extra.token)
    domain_checks.check_domain(extra.pk, force=True)
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED


def test_deadline_fails_the_application_with_the_reason(alice, dns_zone, settings):
    settings.SCM_VERIFICATION_DEADLINE_DAYS = 30
    certificate = submitted(alice)
    Certificate.objects.filter(pk=certificate.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=30, minutes=1)
    )
    domain = certificate.domains.get()
    dns_zone.txt(domain.txt_name, "stale-value")
    domain_checks.check_domain(domain.pk, force=True)
    certificate.refresh_from_db()
    assert certificate.status == Status.APPLICATION_FAILED
    assert certificate.failure_reason == (
        f"Control of {domain.name} was not proven within 30 days. Last check: TXT record "
        f"{domain.txt_name} found but the value differs: it is “stale-value”."
    )
    assert Domain.objects.get(pk=domain.pk).status == DomainStatus.FAILED


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_check_each_domain_once(alice, dns_zone):
    certificate = submitted(alice, domains=["api.example.com", "cdn.example.com"])
    domains = list(certificate.domains.all())
    Domain.objects.update(next_check_at=timezone.now() - dt.timedelta(seconds=1))
    barrier = threading.Barrier(6)
    outcomes = []

    def worker(domain_pk: int) -> None:
        try:
            barrier.wait()
            outcomes.append(domain_checks.check_domain(domain_pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(d.pk,)) for d in domains for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count(domain_checks.Outcome.CHECKED) == 3
    assert all(dns_zone.queries[(d.txt_name, "TXT")] == 1 for d in domains)
    assert list(Domain.objects.values_list("checks", flat=True)) == [1, 1, 1]


@pytest.mark.django_db(transaction=True)
def test_the_db_worker_runs_the_queue(alice, dns_zone, settings):
    settings.SCM_RECHECK_FIRST_SECONDS = 0
    certificate = submitted(alice)
    publish(dns_zone, certificate)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, interval=0.01)
    certificate.refresh_from_db()
    assert certificate.status == Status.ISSUED  # checked, verified, then issued


# Email links


def switch_to_email(certificate) -> Domain:
    domain = certificate.domains.get()
    domain_methods.choose_method(domain, Method.EMAIL, f"admin@{domain.name}", by=certificate.owner)
    return domain


def link_in_outbox() -> str:
    body = mail.outbox[-1].body
    return body[body.index("http://") :].split()[0].removeprefix("http://127.0.0.1:8000")


def test_email_link_verifies_once(alice, client):
    certificate = submitted(alice, ov=True)
    switch_to_email(certificate)
    assert mail.outbox[-1].to == [f"admin@{certificate.primary_domain}"]
    link = link_in_outbox()

    page = client.get(link)
    assert page.status_code == 200 and "Confirm" in page.text
    assert certificate.domains.get().status == DomainStatus.PENDING  # GET confirms nothing
    assert "Thank you" in client.post(link).text
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_ORG_VERIFICATION

    again = client.post(link)
    assert again.status_code == 400
    assert "already used" in again.text


def test_expired_email_link_is_refused(alice, client, settings):
    settings.SCM_EMAIL_LINK_MAX_AGE_DAYS = 3
    certificate = submitted(alice, ov=True)
    switch_to_email(certificate)
    link = link_in_outbox()
    with time_machine.travel(timezone.now() + dt.timedelta(days=3, minutes=1)):
        response = client.post(link)
    assert response.status_code == 400
    assert "This link has expired" in response.text
    assert certificate.domains.get().status == DomainStatus.PENDING


def test_tampered_email_link_is_refused(alice, client):
    certificate = submitted(alice, ov=True)
    switch_to_email(certificate)
    link = link_in_outbox()
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA/") else "BBB") + "/"
    response = client.post(tampered)
    assert response.status_code == 400
    assert "This link is not valid" in response.text
    assert certificate.domains.get().status == DomainStatus.PENDING


def test_a_newer_email_replaces_the_older_link(alice, client):
    certificate = submitted(alice, ov=True)
    switch_to_email(certificate)
    first = link_in_outbox()
    switch_to_email(certificate)
    assert "newer email replaced it" in client.post(first).text


# What follows domain verification


def test_recent_organization_verification_is_reused(alice, dns_zone):
    organization = OrganizationFactory(
        owner=alice, verified_at=timezone.now() - dt.timedelta(days=60)
    )
    certificate = submitted(alice, ov=True, organization=organization)
    publish(dns_zone, certificate)
    domain_checks.check_domain(certificate.domains.get().pk, force=True)
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED
    reused = StateChange.objects.filter(certificate=certificate).get(action="verify_organization")
    assert reused.actor is None and "is reused (13 months)" in reused.detail


def test_organization_verified_over_13_months_ago_is_checked_again(alice, dns_zone):
    organization = OrganizationFactory(
        owner=alice, verified_at=timezone.now() - dt.timedelta(days=400)
    )
    certificate = submitted(alice, ov=True, organization=organization)
    publish(dns_zone, certificate)
    domain_checks.check_domain(certificate.domains.get().pk, force=True)
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_ORG_VERIFICATION


def test_staff_approval_records_the_organization_as_verified(alice, validator):
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    certificate.run_transition("verify_organization", by=validator)
    certificate.organization.refresh_from_db()
    assert certificate.organization.verified_at == certificate.org_verified_at


def test_caa_refusal_is_shown_to_staff_and_changes_nothing(alice, issuer, dns_zone, settings):
    settings.SCM_CHECK_CAA = True
    certificate = CertificateFactory(owner=alice, ready=True, primary_domain="www.example.com")
    dns_zone.caa("example.com", "issue", "other-ca.example")
    with pytest.raises(TransitionRefused, match="allows other-ca.example"):
        certificate.run_transition("issue", by=issuer)
    certificate.refresh_from_db()
    assert certificate.status == Status.TO_BE_ISSUED


def test_a_check_that_fails_unexpectedly_is_recorded_and_tried_again(alice, monkeypatch, caplog):
    certificate = submitted(alice)
    domain = certificate.domains.get()

    def broken(name, token):
        raise RuntimeError("resolver library bug")

    monkeypatch.setattr(domain_checks, "check_txt", broken)
    assert domain_checks.check_domain(domain.pk, force=True) == domain_checks.Outcome.CHECKED
    domain.refresh_from_db()
    assert domain.status == DomainStatus.PENDING
    assert domain.last_result.startswith("The check could not be completed")
    assert domain.checking_until is None  # the lease is let go
    assert domain.next_check_at > timezone.now()  # and it is tried again
    assert "resolver library bug" in caplog.text  # the cause is in the log for the CA
    DBTaskResult.objects.all().delete()
    with time_machine.travel(domain.next_check_at + dt.timedelta(seconds=1)):
        assert tasks.check_domain.call(domain.pk, domain.token) == "checked"
    assert len(queued("check_domain")) == 1  # the chain goes on


def test_a_long_result_is_cut_to_fit_its_column(alice, monkeypatch):
    certificate = submitted(alice)
    domain = certificate.domains.get()
    long = domain_checks.CheckResult(False, "The server said: " + "x" * 2000)
    monkeypatch.setattr(domain_checks, "check_txt", lambda name, token: long)
    domain_checks.check_domain(domain.pk, force=True)
    domain.refresh_from_db()
    limit = Domain._meta.get_field("last_result").max_length
    assert len(domain.last_result) == limit and domain.last_result.endswith("…")

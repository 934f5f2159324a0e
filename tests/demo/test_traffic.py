"""Demo traffic (`make run`): new applications from the demo teams in turn — DV, OV, EV, a
special word, a misspelt DNS record — submitted by the traffic's own members as a member
would, the demo DNS serving the misspelt one wrong, and the traffic's own CA staff member
keeping up at a person's pace (never with the seeded certificates or a visitor's, which
visitors decide in the admin). Off unless asked for."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from dnslib.server import DNSLogger, DNSServer

from certificates.choices import CertificateType, Status
from certificates.models import Certificate, Record, StateChange
from certificates.services import domain_checks
from certificates.services.overview import failure_kind
from demo import tasks, traffic
from demo.management.commands import demo_dns
from demo.management.commands.demo_dns import DemoZone


@pytest.fixture
def demo(db):
    call_command("seed_demo")


def test_applications_arrive_in_turn_from_the_demo_members(demo):
    arrived = [traffic.arrive(turn) for turn in range(6)]
    assert [c.certificate_type for c in arrived] == [
        CertificateType.DV,
        CertificateType.OV,
        CertificateType.DV,
        CertificateType.EV,
        CertificateType.DV,
        CertificateType.DV,
    ]
    # Its own members: the records never show alice, dave or bob doing what they never did.
    assert [c.owner.username for c in arrived] == ["erin", "erin", "frank", "erin", "frank", "erin"]
    assert {c.team.name for c in arrived if c.product.needs_org_verification} == {
        "Northwind Traders"
    }
    for certificate in arrived:
        certificate.refresh_from_db()
        assert certificate.name.startswith("live-")
        assert certificate.status == Status.PENDING_DOMAIN_VERIFICATION  # 40%
        assert certificate.primary_domain.endswith(("northwind-demo.com", "fabrikam-demo.net"))
        assert Record.objects.filter(certificate=certificate, action="submit").exists()
    special = arrived[4]
    assert special.primary_domain.startswith("pay-") and special.manual_review
    assert not any(c.manual_review for c in arrived[:4])
    assert arrived[1].organization is not None and arrived[1].organization.verified_at is None


@pytest.mark.django_db(transaction=True)
def test_the_demo_dns_serves_the_misspelt_record_wrong(settings):
    call_command("seed_demo")
    right, typo = traffic.arrive(0), traffic.arrive(5)
    server = DNSServer(
        DemoZone(delay=0), address="127.0.0.1", port=0, logger=DNSLogger("-request,-reply")
    )
    server.start_thread()
    try:
        settings.SCM_DNS_RESOLVER = f"127.0.0.1:{server.server.server_address[1]}"
        settings.SCM_DNS_TIMEOUT = 5
        for certificate in (right, typo):
            domain_checks.check_domain(certificate.domains.get().pk, force=True)
    finally:
        server.stop()
    right.refresh_from_db()
    typo_domain = typo.domains.get()
    assert right.status != Status.PENDING_DOMAIN_VERIFICATION  # proven: on to issuance
    assert typo_domain.status == "pending"
    assert "found but the value differs" in typo_domain.last_result


def test_the_demo_dns_publishes_nothing_for_the_seeded_applications(demo, monkeypatch):
    """Found trying make run: the seeded 40% applications were proven within a minute, so
    the list had no row at 40% until the traffic's misspelt one arrived."""
    # The server's thread closes its connections between answers; here the test's is used.
    monkeypatch.setattr(demo_dns, "close_old_connections", lambda: None)
    zone = DemoZone(delay=0)
    seeded = Certificate.objects.filter(
        name__startswith="demo-", status=Status.PENDING_DOMAIN_VERIFICATION
    ).exclude(submitted_at=None)
    assert seeded.exists()
    for certificate in seeded:
        for domain in certificate.domains.filter(method="dns"):
            assert zone.tokens(domain.base_name) == [], certificate.name
    arrived = traffic.arrive(0)
    [domain] = arrived.domains.all()
    assert zone.tokens(domain.base_name) == [domain.token]


def test_the_ca_keeps_up_with_the_traffic_only(demo):
    staff_decides = Certificate.objects.filter(
        name__startswith="demo-", status=Status.TO_BE_ISSUED
    ).count()
    waiting = traffic.arrive(1)
    Certificate.objects.filter(pk=waiting.pk).update(status=Status.TO_BE_ISSUED)
    stuck = traffic.arrive(5)
    later = timezone.now() + dt.timedelta(minutes=4)

    done = traffic.work_the_queues(later)

    assert len(done) == 2
    waiting.refresh_from_db()
    stuck.refresh_from_db()
    assert waiting.status == Status.ISSUED
    assert (
        StateChange.objects.filter(certificate=waiting).get(action="issue").actor.username
        == "grace"
    )
    assert stuck.status == Status.APPLICATION_FAILED
    assert failure_kind(None, stuck.failure_reason) == "Domain control not proven in time"
    assert (
        Certificate.objects.filter(name__startswith="demo-", status=Status.TO_BE_ISSUED).count()
        == staff_decides
    )
    assert traffic.work_the_queues(later) == []  # nothing twice


def test_the_traffics_ov_and_ev_wait_at_70_and_90_long_enough_for_a_person(demo, settings):
    """Found following the README as staff: the CA verified them 20 s after 70%, so the
    review queue showed none by the time a person got there."""
    settings.SCM_DEMO_REVIEW_SECONDS, settings.SCM_DEMO_ISSUE_SECONDS = 240, 120
    ev = traffic.arrive(3)
    ev.domains.update(status="verified")
    ev.run_transition("verify_domains", by=None)
    at_70 = timezone.now()
    seeded = Certificate.objects.filter(
        name__startswith="demo-", status=Status.PENDING_ORG_VERIFICATION
    )
    waiting_seeded = seeded.count()
    assert waiting_seeded

    assert traffic.work_the_queues(at_70 + dt.timedelta(seconds=230)) == []
    ev.refresh_from_db()
    assert ev.status == Status.PENDING_ORG_VERIFICATION
    done = traffic.work_the_queues(at_70 + dt.timedelta(seconds=250))
    ev.refresh_from_db()
    assert done == [f"{ev.name}: verify_organization"]
    assert ev.status == Status.TO_BE_ISSUED
    assert (
        StateChange.objects.filter(certificate=ev).get(action="verify_organization").actor.username
        == "grace"
    )
    # Not reused by the next application of the team: a visitor's OV stops at 70% too.
    ev.organization.refresh_from_db()
    assert ev.organization.verified_at is None

    at_90 = ev.updated_at
    assert traffic.work_the_queues(at_90 + dt.timedelta(seconds=110)) == []
    assert traffic.work_the_queues(at_90 + dt.timedelta(seconds=130)) == [f"{ev.name}: issue"]
    assert seeded.count() == waiting_seeded  # the seeded ones wait for staff


def test_the_seeded_and_a_visitors_applications_wait_for_staff(demo, settings):
    """The simulated CA completes withdrawals only; organizations wait in the queue."""
    settings.SCM_SIMULATED_CA = True
    for certificate in Certificate.objects.filter(
        name__startswith="demo-", status=Status.PENDING_ORG_VERIFICATION
    ):
        assert tasks.simulated_ca.call(certificate.pk) == "nothing to decide"
        certificate.refresh_from_db()
        assert certificate.status == Status.PENDING_ORG_VERIFICATION
    withdrawing = Certificate.objects.filter(name__startswith="demo-", status=Status.WITHDRAWING)
    assert withdrawing.exists()  # the seed queued no decision of the simulated CA for them
    from django_tasks_db.models import DBTaskResult

    assert not DBTaskResult.objects.filter(task_path="demo.tasks.simulated_ca").exists()


def test_the_traffic_is_off_unless_asked_for(demo, settings):
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path="demo.tasks.demo_traffic_tick")
    assert settings.SCM_DEMO_TRAFFIC_SECONDS == 0
    assert not tasks.schedule_demo_traffic()
    assert tasks.demo_traffic_tick.call(0) == "demo traffic is off"
    assert not queued.exists()

    settings.SCM_DEMO_TRAFFIC_SECONDS = 30
    assert tasks.schedule_demo_traffic()
    assert not tasks.schedule_demo_traffic()  # one chain at a time
    before = Certificate.objects.count()
    said = tasks.demo_traffic_tick.call(0)
    assert said.startswith("live-www-")
    assert Certificate.objects.count() == before + 1
    assert queued.filter(status="READY").count() == 2  # the first, and the next one
    call_command("seed_demo", reset=True)
    assert not Certificate.objects.filter(name__startswith="live-").exists()

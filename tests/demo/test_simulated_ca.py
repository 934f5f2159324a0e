"""The demo's simulated CA listens to state_entered for any class: a withdrawal gets its
delayed completion wherever the transition was taken; organizations wait for staff; it is
off by default."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from certificates.choices import Status
from certificates.services import domain_checks as dcv
from demo import tasks
from tests.factories import CertificateFactory, submitted
from tests.support.follow_ups import CERTIFICATE_CLASSES, as_class


def queued(task: str, *args: Any) -> list[DBTaskResult]:
    """The jobs queued for this demo task (demo.tasks.<task>), with these arguments."""
    return [
        job
        for job in DBTaskResult.objects.filter(task_path=f"demo.tasks.{task}")
        if not args or job.args_kwargs["args"] == list(args)
    ]


def publish(zone, certificate) -> None:
    for domain in certificate.domains.all():
        zone.txt(domain.txt_name, domain.token)


@pytest.mark.parametrize("model", CERTIFICATE_CLASSES, ids=lambda m: m.__name__)
def test_the_simulated_ca_completes_a_withdrawal_whichever_class_applied_it(alice, settings, model):
    settings.SCM_SIMULATED_CA = True
    certificate = CertificateFactory(
        owner=alice, ov=True, status=Status.PENDING_DOMAIN_VERIFICATION
    )

    as_class(certificate, model).run_transition("withdraw", by=None)

    assert queued("simulated_ca", certificate.pk)


def test_an_organization_to_verify_waits_for_staff(alice, settings):
    settings.SCM_SIMULATED_CA = True
    certificate = CertificateFactory(
        owner=alice, ov=True, status=Status.PENDING_DOMAIN_VERIFICATION
    )
    certificate.run_transition("verify_domains", by=None)
    assert certificate.status == Status.PENDING_ORG_VERIFICATION
    assert not queued("simulated_ca")


def test_nothing_is_queued_for_it_when_it_is_off(alice):
    certificate = CertificateFactory(
        owner=alice, ov=True, status=Status.PENDING_DOMAIN_VERIFICATION
    )
    certificate.run_transition("withdraw", by=None)
    assert not queued("simulated_ca")


def test_simulated_ca_completes_withdrawals_and_leaves_organizations_to_staff(
    alice, dns_zone, settings
):
    settings.SCM_SIMULATED_CA = True
    settings.SCM_SIMULATED_CA_DELAY_SECONDS = 20
    certificate = submitted(alice, ov=True)
    publish(dns_zone, certificate)
    dcv.check_domain(certificate.domains.get().pk, force=True)
    assert tasks.simulated_ca.call(certificate.pk) == "nothing to decide"
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_ORG_VERIFICATION  # in the review queue

    second = submitted(alice, ov=True)
    second.run_transition("withdraw", by=alice)
    job = max(queued("simulated_ca"), key=lambda queued_job: queued_job.run_after)
    assert dt.timedelta(seconds=15) < job.run_after - timezone.now() <= dt.timedelta(seconds=20)
    tasks.simulated_ca.call(second.pk)
    second.refresh_from_db()
    assert second.status == Status.PENDING_APPLICATION


def test_simulated_ca_is_off_by_default(alice):
    certificate = CertificateFactory(owner=alice, ov=True, org=True)
    assert tasks.simulated_ca.call(certificate.pk) == "simulated CA is off"
    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_ORG_VERIFICATION

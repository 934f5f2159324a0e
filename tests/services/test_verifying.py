"""Verify now (certificates/services/verifying.py) on real rows and a real DNS server on
127.0.0.1: every pending domain checked at once, within about one check's time, the rest
handed over; what it refuses and why. (Through the page and the API, with the rate limit's
429: tests/views/test_verification.py, tests/services/test_limits.py, tests/api/.)"""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from certificates import tasks
from certificates.choices import CsrSource, DomainStatus, Status
from certificates.exceptions import Limited, NothingToVerify, VerifyingElsewhere
from certificates.models import Certificate, Domain
from certificates.services.verifying import Verified, verify_now
from tests.factories import CertificateFactory, submitted
from tests.support.follow_ups import queued


def publish(zone, *domains: Domain) -> None:
    for domain in domains:
        zone.txt(domain.txt_name, domain.token)


class HandOver(list):
    """The domains verify_now() leaves to the worker, in the order it left them."""

    def __call__(self, domain: Domain) -> None:
        self.append(domain.pk)


def test_every_pending_domain_is_checked_and_the_certificate_moves_on(alice, dns_zone):
    certificate = submitted(alice, domains=["api.example.com"])
    publish(dns_zone, *certificate.domains.all())
    handed = HandOver()

    assert verify_now(certificate, hand_over=handed) == Verified(handed_over=0, done=True)

    assert handed == []
    assert certificate.status == Status.TO_BE_ISSUED  # the instance is read again
    assert set(certificate.domains.values_list("status", flat=True)) == {DomainStatus.VERIFIED}
    assert all(dns_zone.queries[(d.txt_name, "TXT")] == 1 for d in certificate.domains.all())


def test_a_domain_not_proven_yet_is_checked_and_says_so(alice, dns_zone):
    certificate = submitted(alice)
    domain = certificate.domains.get()
    assert verify_now(certificate, hand_over=HandOver()) == Verified(0, done=False)
    domain.refresh_from_db()
    assert domain.checks == 1 and domain.status == DomainStatus.PENDING
    assert domain.last_result == f"TXT record {domain.txt_name} not found (NXDOMAIN)."
    assert Certificate.objects.get(pk=certificate.pk).status == Status.PENDING_DOMAIN_VERIFICATION


def test_only_the_pending_domains_are_checked(alice, dns_zone):
    certificate = submitted(alice, domains=["api.example.com"])
    done, waiting = certificate.domains.order_by("id")
    Domain.objects.filter(pk=done.pk).update(status=DomainStatus.VERIFIED)
    publish(dns_zone, waiting)
    assert verify_now(certificate, hand_over=HandOver()).done
    assert (done.txt_name, "TXT") not in dns_zone.queries


def test_the_domains_left_when_the_time_is_spent_are_handed_over(alice, dns_zone, settings):
    settings.SCM_HTTP_TIMEOUT = 0  # spent by the first check
    certificate = submitted(alice, domains=["a.example.com", "b.example.com"])
    first, *rest = certificate.domains.order_by("id")
    handed = HandOver()

    assert verify_now(certificate, hand_over=handed) == Verified(handed_over=2, done=False)

    assert handed == [domain.pk for domain in rest]
    checks = dict(certificate.domains.values_list("pk", "checks"))
    assert checks == {first.pk: 1, **{domain.pk: 0 for domain in rest}}


def test_the_worker_takes_what_was_handed_over_at_once(alice, dns_zone, settings):
    settings.SCM_HTTP_TIMEOUT = 0
    certificate = submitted(alice, domains=["a.example.com"])
    _, left = certificate.domains.order_by("id")
    DBTaskResult.objects.all().delete()  # the submission's first checks
    before = timezone.now()

    verify_now(certificate, hand_over=tasks.check_soon)

    left.refresh_from_db()
    assert before <= left.next_check_at <= timezone.now()
    assert [job.task.run_after for job in queued("check_domain", left.pk, left.token)] == [None]


def test_checks_that_another_request_holds_are_verifying_elsewhere(alice, dns_zone):
    certificate = submitted(alice, domains=["api.example.com"])
    certificate.domains.update(checking_until=timezone.now() + dt.timedelta(seconds=30))
    with pytest.raises(VerifyingElsewhere) as elsewhere:
        verify_now(certificate, hand_over=HandOver())
    assert str(elsewhere.value) == (
        "These domains are being checked right now: see the result below."
    )
    assert not dns_zone.queries


def test_one_domain_held_elsewhere_does_not_stop_the_others(alice, dns_zone):
    certificate = submitted(alice, domains=["api.example.com"])
    held, free = certificate.domains.order_by("id")
    Domain.objects.filter(pk=held.pk).update(
        checking_until=timezone.now() + dt.timedelta(seconds=30)
    )
    assert verify_now(certificate, hand_over=HandOver()) == Verified(0, done=False)
    assert dict(certificate.domains.values_list("pk", "checks")) == {held.pk: 0, free.pk: 1}


def test_pressed_again_too_soon_is_limited_and_checks_nothing(alice, dns_zone, settings):
    settings.SCM_VERIFY_NOW_SECONDS = 10
    certificate = submitted(alice)
    verify_now(certificate, hand_over=HandOver())
    with pytest.raises(Limited) as limited:
        verify_now(certificate, hand_over=HandOver())
    assert 0 < limited.value.retry_after <= 10
    assert certificate.domains.get().checks == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {},  # not submitted: no domain is being verified
        {"domain": True, "ov": True},  # submitted, but its domains are settled (below)
        {"org": True},
        {"issued": True},
        {"failed": True},
    ],
    ids=["pending application", "domains settled", "at 70%", "issued", "failed"],
)
def test_with_nothing_pending_there_is_nothing_to_verify(alice, dns_zone, kwargs):
    certificate = CertificateFactory(owner=alice, **kwargs)
    certificate.domains.update(status=DomainStatus.VERIFIED)
    with pytest.raises(NothingToVerify, match="^There is nothing to verify now.$"):
        verify_now(certificate, hand_over=HandOver())
    assert not dns_zone.queries


def test_a_pending_domain_of_a_certificate_no_longer_verifying_is_not_checked(alice, dns_zone):
    certificate = submitted(alice)
    Certificate.objects.filter(pk=certificate.pk).update(status=Status.WITHDRAWING)
    certificate.refresh_from_db()
    with pytest.raises(NothingToVerify):
        verify_now(certificate, hand_over=HandOver())
    assert certificate.domains.get().checks == 0


def test_an_acme_orders_domains_are_checked_when_its_client_asks(alice, dns_zone):
    certificate = CertificateFactory(owner=alice, domain=True, csr_source=CsrSource.ACME)
    with pytest.raises(NothingToVerify) as refused:
        verify_now(certificate, hand_over=HandOver())
    assert str(refused.value) == (
        "This ACME order's domains are checked when its ACME client asks: nothing to do here."
    )
    assert not dns_zone.queries

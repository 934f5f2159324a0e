"""The follow-ups (certificates/workflow.py): one per transition, run by run_transition()
whichever class the certificate is read as (a staff queue is a proxy), in its transaction."""

import datetime as dt

import pytest
from django.utils import timezone

from certificates import workflow
from certificates.choices import CsrSource, DomainStatus, Status
from certificates.models import Certificate, Domain, StateChange
from tests.factories import CertificateFactory, OrganizationFactory
from tests.support.follow_ups import (
    CERTIFICATE_CLASSES,
    REASON,
    TRANSITIONS,
    arguments_for,
    as_class,
    effect_of,
    queued,
    ready_for,
)


def test_the_table_names_a_follow_up_for_every_transition_and_no_other():
    assert len(TRANSITIONS) == 14
    # …and for the one service step that changes no state (an ACME client's challenge).
    assert sorted(workflow.FOLLOW_UPS) == sorted([*TRANSITIONS, "acme_challenge"])


def test_every_certificate_class_of_the_admin_is_covered():
    names = {model.__name__ for model in CERTIFICATE_CLASSES}
    assert {"Certificate", "OrganizationReview", "IssuanceQueue", "RevocationRequest"} <= names


@pytest.mark.parametrize("model", CERTIFICATE_CLASSES, ids=lambda m: m.__name__)
@pytest.mark.parametrize("name", TRANSITIONS)
def test_each_transitions_follow_up_runs_whichever_class_applies_it(
    client, alice, follow_ups, name, model
):
    certificate = as_class(ready_for(name, alice), model)
    follow_ups.clear()  # what setting it up ran

    certificate.run_transition(name, by=None, reason=REASON, **arguments_for(name, certificate))

    assert follow_ups == [(name, model, certificate.pk)]
    assert effect_of(name, certificate, client)


def test_a_follow_up_that_fails_undoes_its_transition(alice, monkeypatch):
    certificate = ready_for("discard", alice)

    def broken(certificate, by):
        raise RuntimeError("the follow-up failed")

    monkeypatch.setitem(workflow.FOLLOW_UPS, "discard", broken)
    with pytest.raises(RuntimeError):
        certificate.run_transition("discard", by=alice)

    certificate.refresh_from_db()
    assert certificate.status == Status.PENDING_APPLICATION
    assert not StateChange.objects.filter(certificate=certificate).exists()


def test_a_reused_organization_verification_is_followed_up_too(alice, follow_ups):
    organization = OrganizationFactory(owner=alice, verified_at=timezone.now())
    certificate = CertificateFactory(
        owner=alice, ov=True, organization=organization, status=Status.PENDING_DOMAIN_VERIFICATION
    )
    certificate.run_transition("verify_domains", by=None)

    assert [name for name, _, _ in follow_ups] == ["verify_domains", "verify_organization"]
    assert Certificate.objects.get(pk=certificate.pk).status == Status.TO_BE_ISSUED


def test_domains_verified_by_the_ca_settle_every_pending_domain(alice):
    certificate = CertificateFactory(owner=alice, ov=True, domain=True, domains=["api.example.com"])
    proven, pending = certificate.domains.order_by("id")
    earlier = timezone.now() - dt.timedelta(hours=1)
    Domain.objects.filter(pk=proven.pk).update(
        status=DomainStatus.VERIFIED, verified_at=earlier, last_result="TXT record found."
    )

    certificate.run_transition("verify_domains", by=None, reason=REASON)

    proven.refresh_from_db()
    pending.refresh_from_db()
    assert (proven.verified_at, proven.last_result) == (earlier, "TXT record found.")
    assert pending.status == DomainStatus.VERIFIED
    assert (pending.last_result, pending.next_check_at) == ("Marked verified by the CA.", None)


@pytest.mark.parametrize(
    ("kwargs", "issued_by_the_worker"),
    [
        ({}, True),
        ({"manual_review": True}, False),  # staff issue it from their queue
        ({"csr_source": CsrSource.ACME, "csr_pem": ""}, False),  # its client finalizes
    ],
    ids=["dv", "dv in manual review", "acme order without its csr"],
)
def test_a_dv_whose_domains_are_verified_is_issued_by_the_worker_unless(
    alice, kwargs, issued_by_the_worker
):
    certificate = CertificateFactory(owner=alice, domain=True, **kwargs)
    certificate.run_transition("verify_domains", by=None)
    assert Certificate.objects.get(pk=certificate.pk).status == Status.TO_BE_ISSUED
    assert bool(queued("issue", certificate.pk)) is issued_by_the_worker

"""The follow-ups (certificates/workflow.py): one per transition, run by run_transition()
whichever class the certificate is read as (a staff queue is a proxy), in its transaction."""

import pytest
from django.utils import timezone

from certificates import workflow
from certificates.choices import Status
from certificates.models import Certificate, StateChange
from tests.factories import CertificateFactory, OrganizationFactory
from tests.support.follow_ups import (
    CERTIFICATE_CLASSES,
    REASON,
    TRANSITIONS,
    arguments_for,
    as_class,
    effect_of,
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

"""The demo's simulated CA listens to state_entered for any class: a withdrawal gets its
delayed completion wherever the transition was taken; organizations wait for staff."""

import pytest

from certificates.choices import Status
from tests.factories import CertificateFactory
from tests.support.follow_ups import CERTIFICATE_CLASSES, as_class, queued


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

"""The demo's simulated CA listens to state_entered for any class: a withdrawal or an
organization to verify gets its delayed decision wherever the transition was taken."""

import pytest

from certificates.choices import Status
from tests.factories import CertificateFactory
from tests.follow_ups import CERTIFICATE_CLASSES, as_class, queued


@pytest.mark.parametrize("model", CERTIFICATE_CLASSES, ids=lambda m: m.__name__)
@pytest.mark.parametrize("name", ["verify_domains", "withdraw"])
def test_the_simulated_ca_decides_later_whichever_class_applied_it(alice, settings, name, model):
    settings.SCM_SIMULATED_CA = True
    certificate = CertificateFactory(
        owner=alice, ov=True, status=Status.PENDING_DOMAIN_VERIFICATION
    )

    as_class(certificate, model).run_transition(name, by=None)

    assert queued("simulated_ca", certificate.pk)


def test_nothing_is_queued_for_it_when_it_is_off(alice):
    certificate = CertificateFactory(
        owner=alice, ov=True, status=Status.PENDING_DOMAIN_VERIFICATION
    )
    certificate.run_transition("withdraw", by=None)
    assert not queued("simulated_ca")

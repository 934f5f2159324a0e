"""Buying (certificates/services/purchases.py), at the service boundary: bought certificates
wait for their application in the buyer's team, each recorded; free test certificates are
DV single-domain and counted against the team's quota, deleted and revoked ones included."""

import pytest

from certificates.choices import CertificateType, DomainType, KeyAlgorithm, Status
from certificates.exceptions import QuotaExceeded
from certificates.models import Certificate, Record, SearchKey
from certificates.services.purchases import (
    Purchase,
    buy,
    buy_test_certificate,
    take_test_certificate,
    test_certificates_left,
)
from tests.factories import CertificateFactory, team_of

OV_MULTI = Purchase(
    certificate_type=CertificateType.OV,
    brand="boreal",
    domain_type=DomainType.MULTIPLE,
    key_algorithm=KeyAlgorithm.EC_P384,
    additional_domain_slots=3,
    quantity=2,
)

# pytest would collect the service's test_certificates_left as a test of this module.
test_certificates_left.__test__ = False


def test_each_bought_certificate_waits_for_its_application_in_the_team(alice):
    team = team_of(alice)
    bought = buy(team, alice, OV_MULTI)
    assert len(bought) == 2
    for certificate in bought:
        certificate.refresh_from_db()
        assert (certificate.team, certificate.owner) == (team, alice)
        assert certificate.status == Status.PENDING_APPLICATION
        assert (certificate.certificate_type, certificate.brand) == (CertificateType.OV, "boreal")
        assert (certificate.domain_type, certificate.additional_domain_slots) == (
            DomainType.MULTIPLE,
            3,
        )
        assert certificate.key_algorithm == KeyAlgorithm.EC_P384
        assert not certificate.is_test
    # Searchable at once, by its name (no domains yet).
    assert SearchKey.objects.filter(certificate__in=bought).exists()


def test_each_bought_certificate_is_recorded_as_bought_by_the_member(alice):
    bought = buy(team_of(alice), alice, OV_MULTI)
    records = Record.objects.filter(action="buy", certificate__in=bought)
    assert records.count() == 2
    for record in records:
        assert (record.actor, record.team) == (alice, team_of(alice))
        assert record.detail == "Boreal PKI OV, Multiple domains"


def test_a_test_certificate_is_dv_single_domain_and_recorded(alice):
    certificate = buy_test_certificate(team_of(alice), alice, "cedar")
    certificate.refresh_from_db()
    assert certificate.is_test
    assert (certificate.certificate_type, certificate.domain_type, certificate.brand) == (
        CertificateType.DV,
        DomainType.SINGLE,
        "cedar",
    )
    record = Record.objects.get(certificate=certificate, action="buy")
    assert (record.actor, record.detail) == (alice, "Free test certificate")


def test_deleted_and_revoked_test_certificates_count_against_the_quota(alice, bob, settings):
    settings.SCM_TEST_CERTIFICATE_QUOTA = 3
    team = team_of(alice)
    assert test_certificates_left(team.pk) == 3
    CertificateFactory(owner=alice, is_test=True, deleted=True)
    CertificateFactory(owner=alice, is_test=True, revoked=True)
    CertificateFactory(owner=alice)  # bought, not a test one
    CertificateFactory(owner=bob, is_test=True)  # another team's
    assert test_certificates_left(team.pk) == 1


def test_the_last_test_certificate_is_taken_once_and_then_refused(alice, settings):
    settings.SCM_TEST_CERTIFICATE_QUOTA = 1
    team = team_of(alice)
    buy_test_certificate(team, alice, "aurora")
    with pytest.raises(QuotaExceeded, match="used all 1 free test certificates"):
        buy_test_certificate(team, alice, "aurora")
    assert Certificate.objects.filter(team=team, is_test=True).count() == 1
    assert Record.objects.filter(team=team, action="buy").count() == 1
    assert test_certificates_left(team.pk) == 0


def test_taking_a_test_certificate_past_the_quota_is_refused(alice, settings):
    settings.SCM_TEST_CERTIFICATE_QUOTA = 0
    with pytest.raises(QuotaExceeded, match="deleted, revoked and renewed ones count too"):
        take_test_certificate(team_of(alice).pk)

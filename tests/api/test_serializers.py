"""The list's written-out rendering of a certificate (api/serializers.py, a speed trick)
says exactly what DRF's field-by-field rendering of the same declared fields says, for
certificates of every type, state and domain shape."""

import pytest
from rest_framework import serializers

from certificates.api import listing
from certificates.api.serializers import Certificate as Shape
from certificates.choices import CertificateType, DomainType, Status
from certificates.models import Certificate
from tests.ca.helpers import issued, system_key_certificate
from tests.factories import CertificateFactory


@pytest.fixture
def rows(alice):
    issued(alice)
    system_key_certificate(alice)  # the console made its key: the list reads no CSR for it
    CertificateFactory(owner=alice, ev=True, status=Status.PENDING_ORG_VERIFICATION)
    CertificateFactory(
        owner=alice,
        domain_type=DomainType.WILDCARD,
        primary_domain="*.shop.example",
        status=Status.REVOKED,
    )
    CertificateFactory(owner=alice, primary_domain="", status=Status.PENDING_APPLICATION)
    multi = CertificateFactory(
        owner=alice,
        certificate_type=CertificateType.OV_PRO,
        domain_type=DomainType.MULTIPLE,
        additional_domain_slots=3,
        status=Status.EXPIRED,
    )
    multi.set_domains(multi.primary_domain, ["a.example.com", "*.b.example.com"])
    multi.save()
    found = list(Certificate.objects.filter(team=multi.team).for_rows(*listing.ALSO))
    listing._attach_domains(found)
    listing._attach_keys(found)
    return found


def test_the_written_out_rendering_is_drfs(rows):
    shape = Shape()
    for row in rows:
        assert shape.to_representation(row) == serializers.Serializer.to_representation(shape, row)
    assert {len(r.listed_domains) for r in rows} >= {0, 1, 3}

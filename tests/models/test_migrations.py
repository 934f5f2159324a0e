"""Data migrations, run against rows made the old way."""

import importlib

from django.apps import apps

from certificates.models import Certificate, Domain
from tests.factories import CertificateFactory

domain_count = importlib.import_module("certificates.migrations.0012_certificate_domain_count")


def test_domain_counts_are_filled_in_for_existing_certificates(alice):
    several = CertificateFactory(owner=alice, domains=["a.example.com", "b.example.com"])
    one = CertificateFactory(owner=alice)
    none = CertificateFactory(owner=alice, primary_domain="")
    Certificate.objects.update(domain_count=0)  # as the column's default left them
    domain_count.count_domains(apps, None)
    counts = dict(Certificate.objects.values_list("pk", "domain_count"))
    assert counts == {several.pk: 3, one.pk: 1, none.pk: 0}
    assert Domain.objects.filter(certificate=several).count() == 3

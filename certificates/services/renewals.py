"""Renewal (SPEC §6): a new application with the same domains, organization, key choice
and name; a test certificate's renewal is a new test certificate within the quota."""

from typing import Any

from django.db import transaction

from certificates.choices import CsrSource
from certificates.exceptions import NotRenewable
from certificates.models import Certificate, Record
from certificates.services.applications import CONTACT_FIELDS
from certificates.services.purchases import take_test_certificate

NOT_RENEWABLE = "Only issued or expired certificates can be renewed."


def renew(certificate: Certificate, *, by: Any) -> Certificate:
    """A new application for the same domains, organization and key choice (SPEC §6),
    started by the member `by`; a test certificate's renewal is a new test certificate,
    within the team's quota."""
    if certificate.csr_source == CsrSource.ACME:
        raise NotRenewable(
            "An ACME order is renewed by its ACME client (certbot renew, for one), which "
            "places a new order."
        )
    if not certificate.can_renew:
        raise NotRenewable(NOT_RENEWABLE)
    fields = [
        "certificate_type",
        "domain_type",
        "brand",
        "key_algorithm",
        "is_test",
        "additional_domain_slots",
        "organization",
        *CONTACT_FIELDS,
    ]
    with transaction.atomic():
        if certificate.is_test:
            take_test_certificate(certificate.team_id)
        renewal = Certificate.objects.create(
            team_id=certificate.team_id,
            owner=by,
            name=certificate.name,  # the same certificate to its team, renewed
            renewal_of=certificate,
            csr_source=CsrSource.SYSTEM,
            **{name: getattr(certificate, name) for name in fields},
        )
        names = certificate.domain_names
        renewal.set_domains(names[0], names[1:])
        Record.write(
            team_id=certificate.team_id,
            action="renew",
            actor=by,
            certificate=renewal,
            detail=f"Renewal of {certificate.name} (ID {certificate.pk})",
        )
    return renewal

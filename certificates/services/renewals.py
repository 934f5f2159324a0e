"""Renewal (SPEC §6): a new application with the same domains, organization, key choice
and name; a test certificate's renewal is a new test certificate within the quota."""

import datetime as dt
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.ca import csr as csr_tools
from certificates.choices import CsrSource, KeyAlgorithm
from certificates.exceptions import NotRenewable
from certificates.models import Certificate, Record
from certificates.models.rules import can_renew
from certificates.services.applications import CONTACT_FIELDS
from certificates.services.purchases import take_test_certificate
from certificates.validity import validity_period

NOT_RENEWABLE = gettext_lazy("Only issued or expired certificates can be renewed.")


class RenewedKey(NamedTuple):
    """How the renewal's key is made: the key choice of the certificate it renews."""

    csr_source: CsrSource
    key_algorithm: KeyAlgorithm
    csr_pem: str  # an own CSR's, carried over; "" for a key the system generates at submit

    @property
    def own(self) -> bool:
        return self.csr_source == CsrSource.OWN


def renewed_key(certificate: Certificate) -> RenewedKey:
    """The key choice a renewal of this certificate starts with: the applicant's own CSR
    stays theirs (the same CSR, so the same key, until they paste a new one); a key the
    system generated is generated again, of the algorithm and size the certificate has."""
    algorithm = csr_tools.stored_key_algorithm(certificate.certificate_pem, certificate.csr_pem)
    algorithm = algorithm or KeyAlgorithm(certificate.key_algorithm)
    if certificate.csr_source == CsrSource.OWN:
        return RenewedKey(CsrSource.OWN, algorithm, certificate.csr_pem)
    return RenewedKey(CsrSource.SYSTEM, algorithm, "")


def renewal_validity(
    certificate: Certificate, now: dt.datetime | None = None
) -> tuple[dt.datetime, dt.datetime]:
    """(not_before, not_after) of this certificate's renewal if it were issued now: the
    longest validity in force (three months for a test certificate). Days left on this one
    are not added: the limit in force is also the longest a certificate may last."""
    return validity_period(now or timezone.now(), is_test=certificate.is_test)


def renew(certificate: Certificate, *, by: Any) -> Certificate:
    """A new application for the same domains, organization and key choice (SPEC §6),
    started by the member `by`; a test certificate's renewal is a new test certificate,
    within the team's quota."""
    if certificate.csr_source == CsrSource.ACME:
        raise NotRenewable(
            _(
                "An ACME order is renewed by its ACME client (certbot renew, for one), which "
                "places a new order."
            )
        )
    if not can_renew(certificate):
        raise NotRenewable(NOT_RENEWABLE)
    fields = [
        "certificate_type",
        "domain_type",
        "brand",
        "is_test",
        "additional_domain_slots",
        "organization",
        *CONTACT_FIELDS,
    ]
    key = renewed_key(certificate)
    with transaction.atomic():
        if certificate.is_test:
            take_test_certificate(certificate.team_id)
        renewal = Certificate.objects.create(
            team_id=certificate.team_id,
            owner=by,
            name=certificate.name,  # the same certificate to its team, renewed
            renewal_of=certificate,
            csr_source=key.csr_source,
            key_algorithm=key.key_algorithm,
            csr_pem=key.csr_pem,
            **{name: getattr(certificate, name) for name in fields},
        )
        names = certificate.domain_names
        renewal.set_domains(names[0], names[1:])
        Record.note(
            renewal,
            "renew",
            actor=by,
            detail=f"Renewal of {certificate.name} (ID {certificate.pk})",
        )
    return renewal

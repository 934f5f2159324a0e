"""Buying: certificates that wait for their application, and free test certificates
within the team's quota (SPEC §2). The team owns them; the member who bought one is its
owner on the record."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from certificates.choices import CertificateType, DomainType, KeyAlgorithm
from certificates.exceptions import QuotaExceeded
from certificates.models import Certificate, Record, SearchKey
from certificates.models.presenter import brand_label, domain_type_label
from teams.models import Team


@dataclass(frozen=True)
class Purchase:
    certificate_type: CertificateType
    brand: str
    domain_type: DomainType
    key_algorithm: KeyAlgorithm
    additional_domain_slots: int = 0
    quantity: int = 1


def buy(team: Team, by: Any, purchase: Purchase) -> list[Certificate]:
    """Create the bought certificates in the team, each waiting for its application."""
    certificates = [
        Certificate(
            team=team,
            owner=by,
            certificate_type=purchase.certificate_type,
            brand=purchase.brand,
            domain_type=purchase.domain_type,
            key_algorithm=purchase.key_algorithm,
            additional_domain_slots=purchase.additional_domain_slots,
        )
        for _ in range(purchase.quantity)
    ]
    with transaction.atomic():
        certificates = Certificate.objects.bulk_create(certificates)
        SearchKey.rewrite(certificates, domains={}, fresh=True)
        Record.objects.bulk_create(
            Record.of_certificate(
                certificate,
                "buy",
                actor=by,
                detail=f"{brand_label(certificate)} {certificate.product.label}, "
                f"{domain_type_label(certificate)}",
            )
            for certificate in certificates
        )
    return certificates


def test_certificates_left(team_id: int) -> int:
    """Free test certificates this team may still take; deleted or revoked ones count."""
    used = Certificate.objects.filter(team_id=team_id, is_test=True).count()
    return max(settings.SCM_TEST_CERTIFICATE_QUOTA - used, 0)


def take_test_certificate(team_id: int) -> None:
    """Refuse unless the team has a test certificate left; call inside the transaction
    that creates it. Buying and renewing both take one."""
    # Lock the team's row so two tabs (or two members) cannot both take the last one.
    Team.objects.select_for_update().filter(pk=team_id).first()
    if test_certificates_left(team_id) < 1:
        raise QuotaExceeded(
            _(
                "Your team has used all %(quota)d free test certificates (deleted, revoked and "
                "renewed ones count too)."
            )
            % {"quota": settings.SCM_TEST_CERTIFICATE_QUOTA}
        )


def buy_test_certificate(team: Team, by: Any, brand: str) -> Certificate:
    """One free DV single-domain 3-month certificate, within the team's quota."""
    with transaction.atomic():
        take_test_certificate(team.pk)
        certificate = Certificate.objects.create(
            team=team,
            owner=by,
            certificate_type=CertificateType.DV,
            domain_type=DomainType.SINGLE,
            brand=brand,
            is_test=True,
        )
        Record.note(certificate, "buy", actor=by, detail="Free test certificate")
        return certificate

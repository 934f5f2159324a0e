"""Buying: certificates that wait for their application, and free test certificates
within the account's quota (SPEC §2)."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from certificates.choices import CertificateType, DomainType, KeyAlgorithm
from certificates.exceptions import QuotaExceeded
from certificates.models import Certificate, SearchKey


@dataclass(frozen=True)
class Purchase:
    certificate_type: CertificateType
    brand: str
    domain_type: DomainType
    key_algorithm: KeyAlgorithm
    additional_domain_slots: int = 0
    quantity: int = 1


def buy(owner, purchase: Purchase) -> list[Certificate]:
    """Create the bought certificates, each waiting for its application."""
    certificates = [
        Certificate(
            owner=owner,
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
    return certificates


def test_certificates_left(owner) -> int:
    """Free test certificates this account may still take; deleted or revoked ones count."""
    used = Certificate.objects.filter(owner=owner, is_test=True).count()
    return max(settings.SCM_TEST_CERTIFICATE_QUOTA - used, 0)


def take_test_certificate(owner) -> None:
    """Refuse unless the account has a test certificate left; call inside the transaction
    that creates it. Buying and renewing both take one."""
    # Lock the account row so two tabs cannot both take the last one.
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
    if test_certificates_left(owner) < 1:
        raise QuotaExceeded(
            f"You have used all {settings.SCM_TEST_CERTIFICATE_QUOTA} free test "
            "certificates of this account (deleted, revoked and renewed ones count too)."
        )


def buy_test_certificate(owner, brand: str) -> Certificate:
    """One free DV single-domain 3-month certificate, within the account's quota."""
    with transaction.atomic():
        take_test_certificate(owner)
        return Certificate.objects.create(
            owner=owner,
            certificate_type=CertificateType.DV,
            domain_type=DomainType.SINGLE,
            brand=brand,
            is_test=True,
        )

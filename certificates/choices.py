"""States and product enums. The console wording and progress of each state live here only."""

from django.db import models


class Status(models.TextChoices):
    PENDING_APPLICATION = "pending_application", "Pending application"
    PENDING_DOMAIN_VERIFICATION = (
        "pending_domain_verification",
        "Pending domain name verification",
    )
    PENDING_ORG_VERIFICATION = "pending_org_verification", "Pending organization verification"
    TO_BE_ISSUED = "to_be_issued", "To be issued"
    ISSUED = "issued", "Issued"
    WITHDRAWING = "withdrawing", "CA verifying (application withdrawal)"
    APPLICATION_FAILED = "application_failed", "Application failed"
    REVOKING = "revoking", "Revocation under review"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"
    # "Hidden" in SPEC §3: the owner deleted it. Never listed; kept for audit.
    DELETED = "deleted", "Deleted"

    @property
    def progress(self) -> int | None:
        """Percent shown in the progress bar, or None for states without one."""
        return PROGRESS.get(self)

    @property
    def is_waiting_for_ca(self) -> bool:
        """True while someone other than the owner can move it on: the list keeps polling."""
        return self in WAITING_FOR_CA


PROGRESS = {
    Status.PENDING_APPLICATION: 0,
    Status.PENDING_DOMAIN_VERIFICATION: 40,
    Status.PENDING_ORG_VERIFICATION: 70,
    Status.TO_BE_ISSUED: 90,
    Status.ISSUED: 100,
}

WAITING_FOR_CA = frozenset(
    {
        Status.PENDING_DOMAIN_VERIFICATION,
        Status.PENDING_ORG_VERIFICATION,
        Status.TO_BE_ISSUED,
        Status.WITHDRAWING,
        Status.REVOKING,
    }
)


class CertificateType(models.TextChoices):
    DV = "dv", "DV (Basic)"
    OV = "ov", "OV"
    OV_PRO = "ov_pro", "OV Pro"
    EV = "ev", "EV"
    EV_PRO = "ev_pro", "EV Pro"

    @property
    def needs_org_verification(self) -> bool:
        return self != CertificateType.DV

    @property
    def is_ev(self) -> bool:
        return self in {CertificateType.EV, CertificateType.EV_PRO}


class DomainType(models.TextChoices):
    SINGLE = "single", "Single domain"
    MULTIPLE = "multiple", "Multiple domains"
    WILDCARD = "wildcard", "Wildcard"


class Brand(models.TextChoices):
    """Demo CA brands; each is backed by its own issuing CA."""

    AURORA = "aurora", "Aurora Trust"
    BOREAL = "boreal", "Boreal PKI"
    CEDAR = "cedar", "Cedar SSL"


class KeyAlgorithm(models.TextChoices):
    RSA_2048 = "rsa2048", "RSA 2048"
    RSA_3072 = "rsa3072", "RSA 3072"
    RSA_4096 = "rsa4096", "RSA 4096"
    EC_P256 = "ec_p256", "EC P-256"
    EC_P384 = "ec_p384", "EC P-384"

"""The built-in CA's own rows: each brand's root and issuing CA (keys encrypted at rest,
loaded once per process), and the revocations they publish."""

import datetime as dt
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from certificates.ca import csr as csr_tools
from certificates.ca import keystore, profiles
from certificates.choices import Brand, CAKind, RevocationReason
from certificates.exceptions import TransitionRefused
from certificates.templatetags.console import when


@lru_cache(maxsize=32)
def _load(pk: int, certificate_pem: str, sealed_key: bytes) -> tuple[x509.Certificate, Any]:
    key = serialization.load_pem_private_key(keystore.decrypt(sealed_key), None)
    return x509.load_pem_x509_certificate(certificate_pem.encode()), key


@lru_cache(maxsize=32)
def _urls(base: str, brand: str) -> profiles.Urls:
    return profiles.Urls(
        crl=base + reverse("ca:crl", args=[brand]),
        ocsp=base + reverse("ca:ocsp"),
        ca_issuers=base + reverse("ca:issuer", args=[brand]),
    )


def root_urls(brand: str) -> profiles.Urls:
    """Where relying parties find a brand's root: its CRL of CA certificates and itself."""
    base = settings.SCM_PUBLIC_URL
    return profiles.Urls(
        crl=base + reverse("ca:root-crl", args=[brand]),
        ocsp="",
        ca_issuers=base + reverse("ca:root-der", args=[brand]),
    )


class AuthorityQuerySet(models.QuerySet):
    def issuing(self, brand: str) -> "CertificateAuthority":
        """The brand's active issuing CA; TransitionRefused before `init_ca` made one."""
        authority = self.filter(brand=brand, kind=CAKind.INTERMEDIATE, active=True).first()
        if authority is None:
            raise TransitionRefused(
                f"There is no issuing CA for {Brand(brand).label} yet: run `manage.py init_ca`."
            )
        return authority


class CertificateAuthority(models.Model):
    """A CA certificate of the built-in CA: a root, or the issuing CA of one brand."""

    brand = models.CharField(max_length=20, choices=Brand.choices)
    kind = models.CharField(max_length=20, choices=CAKind.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True)
    name = models.CharField(max_length=200)
    certificate_pem = models.TextField()
    # Fernet ciphertext of the CA's private key (ca/keystore.py): never shown, never logged.
    private_key = models.BinaryField(editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    crl_der = models.BinaryField(null=True, blank=True, editable=False)
    crl_number = models.PositiveBigIntegerField(default=0)
    crl_updated_at = models.DateTimeField(null=True, blank=True)
    # An issuing CA's delegated OCSP responder (services/issuance.py): its certificate and
    # its key, encrypted like the CA's.
    responder_pem = models.TextField(blank=True)
    responder_key = models.BinaryField(null=True, blank=True, editable=False)

    objects = AuthorityQuerySet.as_manager()

    class Meta:
        verbose_name = "certificate authority"
        verbose_name_plural = "certificate authorities"
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "kind"],
                condition=models.Q(active=True),
                name="one_active_ca_per_brand_and_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def loaded(self) -> tuple[x509.Certificate, Any]:
        """This CA's certificate and private key, decrypted once per process."""
        return _load(self.pk, self.certificate_pem, bytes(self.private_key))

    def responder(self) -> tuple[x509.Certificate, Any]:
        """This CA's OCSP responder certificate and key, decrypted once per process."""
        return _load(self.pk, self.responder_pem, bytes(self.responder_key))

    @property
    def urls(self) -> profiles.Urls:
        """Where relying parties find this brand's CRL, the OCSP responder and this CA."""
        return _urls(settings.SCM_PUBLIC_URL, self.brand)

    def sign_csr(
        self,
        csr_pem: str,
        *,
        domains: list[str],
        policy: x509.ObjectIdentifier,
        organization: profiles.Organization | None,
        not_before: dt.datetime,
        not_after: dt.datetime,
    ) -> tuple[str, str]:
        """Sign the CSR's key for these domains in the profile of `policy`: (certificate
        PEM, serial in hex). The signing step of issuance, without a transaction."""
        issuer, issuer_key = self.loaded()
        signed = profiles.sign_subscriber(
            public_key=csr_tools.load_csr(csr_pem).public_key(),
            domains=domains,
            policy=policy,
            organization=organization,
            issuer=issuer,
            issuer_key=issuer_key,
            not_before=not_before,
            not_after=not_after,
            urls=self.urls,
        )
        return (
            signed.public_bytes(serialization.Encoding.PEM).decode(),
            format(signed.serial_number, "x"),
        )


class Revocation(models.Model):
    """A revoked serial, as the CRL and OCSP publish it: written in the transaction that
    revokes, never changed or removed by the console, and listed until the certificate's
    expiry has passed (RFC 5280 §3.3), whatever becomes of the certificate's row (deleted
    from the list, a demo reset)."""

    issuer = models.ForeignKey(CertificateAuthority, on_delete=models.PROTECT, related_name="+")
    serial_number = models.CharField(max_length=64)
    revoked_at = models.DateTimeField()
    reason_code = models.CharField(max_length=30, choices=RevocationReason.choices)
    not_after = models.DateTimeField()
    certificate = models.OneToOneField(
        "Certificate", on_delete=models.SET_NULL, null=True, blank=True, related_name="revocation"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "serial_number"], name="revocation_unique")
        ]
        indexes = [models.Index(fields=["issuer", "not_after"], name="revocation_listed")]

    def __str__(self) -> str:
        return f"{self.serial_number} revoked at {when(self.revoked_at)}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A published revocation is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("A published revocation is never removed.")

    @classmethod
    def record(cls, certificate: Any) -> "Revocation":
        """Publish the certificate's revocation (its revoked_at and reason code)."""
        return cls.objects.create(
            issuer_id=certificate.issuer_id,
            serial_number=certificate.serial_number,
            revoked_at=certificate.revoked_at,
            reason_code=certificate.revocation_reason_code,
            not_after=certificate.not_after,
            certificate=certificate,
        )

"""The ACME server's rows (SPEC §11): the used nonces that every web process agrees on,
the team's External Account Binding keys, the accounts made with them and their orders
(each order is a DV certificate of the team)."""

import base64
import binascii
import datetime as dt
import hmac
import secrets
import struct
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from certificates.choices import DomainStatus, Status

NONCE_LIFETIME = dt.timedelta(hours=1)
# Web processes on several hosts: a nonce made by one whose clock is a little ahead.
NONCE_CLOCK_SKEW = dt.timedelta(minutes=1)
PRUNE_EVERY = 100  # one use of a nonce in this many also deletes the expired ones


def _nonce_mac(body: bytes) -> bytes:
    return salted_hmac("scm.acme.nonce", body, algorithm="sha256").digest()[:16]


class AcmeNonce(models.Model):
    """A Replay-Nonce that was used. Handing one out writes nothing: a nonce is the time it
    was made and 12 random bytes, signed with an HMAC of SECRET_KEY, so every web process
    checks it alike. Using one inserts its row: of two requests with the same nonce, in any
    processes, the primary key lets one in. Rows go once their nonce has expired anyway."""

    value = models.CharField(max_length=43, primary_key=True)
    # When the nonce was handed out (not used): after NONCE_LIFETIME it is refused by its
    # time alone, and its row can go.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"nonce of {self.created_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def fresh(cls) -> str:
        """A new nonce (its time, 12 random bytes, a 16-byte HMAC), base64url; no write."""
        body = struct.pack(">I", int(timezone.now().timestamp())) + secrets.token_bytes(12)
        return base64.urlsafe_b64encode(body + _nonce_mac(body)).decode().rstrip("=")

    @classmethod
    def redeem(cls, value: Any) -> bool:
        """Use up this nonce: True once for a nonce this server made within NONCE_LIFETIME."""
        if not isinstance(value, str) or len(value) != 43:
            return False
        try:
            raw = base64.urlsafe_b64decode(value + "=")
        except (binascii.Error, ValueError):
            return False
        # Only the one spelling fresh() writes: base64 has others for the same bytes, which
        # would each be a row of their own, and so a replay.
        if base64.urlsafe_b64encode(raw).decode().rstrip("=") != value:
            return False
        body, mac = raw[:16], raw[16:]
        if not hmac.compare_digest(mac, _nonce_mac(body)):
            return False
        made = dt.datetime.fromtimestamp(struct.unpack(">I", body[:4])[0], dt.UTC)
        now = timezone.now()
        if not now - NONCE_LIFETIME <= made <= now + NONCE_CLOCK_SKEW:
            return False
        try:
            with transaction.atomic():
                cls.objects.create(value=value, created_at=made)
        except IntegrityError:
            return False  # used already, perhaps by a request racing this one
        if secrets.randbelow(PRUNE_EVERY) == 0:
            cls.prune()  # rows go soon after their nonces expire, not only with the daily job
        return True

    @classmethod
    def prune(cls) -> int:
        """Forget the used nonces that have expired (their time refuses them now)."""
        deleted, _ = cls.objects.filter(created_at__lt=timezone.now() - NONCE_LIFETIME).delete()
        return deleted


class AcmeAccountKey(models.Model):
    """An External Account Binding key (RFC 8555 §7.3.4) of a team: its key id and HMAC key
    are shown once; the HMAC key is kept encrypted (it must be read to check the binding).
    One key makes one account."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="acme_keys")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    key_id = models.CharField(max_length=40, unique=True)
    # Fernet ciphertext of the raw HMAC key (ca/keystore.py).
    hmac_key = models.BinaryField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.key_id


class AcmeAccountQuerySet(models.QuerySet):
    def valid(self) -> "AcmeAccountQuerySet":
        return self.filter(status=AcmeAccount.VALID)


class AcmeAccount(models.Model):
    """An ACME client's account: its public key, contacts and status, in one team."""

    VALID, DEACTIVATED = "valid", "deactivated"

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="acme_accounts")
    binding = models.OneToOneField(AcmeAccountKey, on_delete=models.PROTECT, related_name="account")
    jwk = models.JSONField(help_text="The account's public key (JWK).")
    # RFC 7638 thumbprint of the JWK, base64url: how a key finds its account.
    thumbprint = models.CharField(max_length=43, unique=True)
    contact = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=12,
        choices=[(VALID, "Valid"), (DEACTIVATED, "Deactivated")],
        default=VALID,
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = AcmeAccountQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """How pages and records name it: ACME account 12 (ops@example.com)."""
        emails = ", ".join(c.removeprefix("mailto:") for c in self.contact)
        return f"ACME account {self.pk}" + (f" ({emails})" if emails else "")

    @property
    def owner(self) -> Any:
        """The member who made its key: the owner on record of what it orders."""
        return self.binding.created_by


class AcmeOrder(models.Model):
    """An ACME order: the DV certificate of the team it became, and who ordered it."""

    account = models.ForeignKey(AcmeAccount, on_delete=models.PROTECT, related_name="orders")
    certificate = models.OneToOneField(
        "Certificate", on_delete=models.PROTECT, related_name="acme_order"
    )
    identifiers = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "created_at"], name="acme_order_account")]

    def __str__(self) -> str:
        return f"ACME order {self.pk}"

    @property
    def status(self) -> str:
        """The order's status (RFC 8555 §7.1.6), read off its certificate."""
        certificate = self.certificate
        state = certificate.status
        if state in (Status.ISSUED, Status.REVOKING, Status.REVOKED, Status.EXPIRED):
            return "valid"
        if state == Status.TO_BE_ISSUED:
            return "processing" if certificate.csr_pem else "ready"
        if state == Status.PENDING_DOMAIN_VERIFICATION and timezone.now() < self.expires_at:
            return "pending"
        if state == Status.DELETED and certificate.certificate_pem:
            return "valid"
        return "invalid"


def authorization_status(domain: Any, order: AcmeOrder) -> str:
    """An authorization's status (RFC 8555 §7.1.6), read off its domain and order."""
    if domain.status == DomainStatus.VERIFIED:
        return "valid"
    if domain.status == DomainStatus.FAILED:
        return "invalid"
    if order.certificate.status != Status.PENDING_DOMAIN_VERIFICATION:
        return "deactivated"
    return "pending" if timezone.now() < order.expires_at else "expired"

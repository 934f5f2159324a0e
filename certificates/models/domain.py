"""A domain of an application, the proof that the applicant controls it (SPEC §5), and the
validation emails sent for it."""

import base64
import secrets
from typing import NamedTuple

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from certificates.choices import EMAIL_LOCAL_PARTS, CsrSource, DomainStatus, Method, Status
from certificates.domains import registrable, unicode_form


def new_token() -> str:
    """A random validation token: 160 bits, in lower-case base32 (safe in DNS and files)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").lower()


class ShownStatus(NamedTuple):
    """A domain's status as its certificate's page shows it: `code` for the badge's style and
    for scripts, `label` in words."""

    code: str
    label: str


NOT_VERIFIED = ShownStatus("not-verified", gettext_lazy("Not verified"))
# States a certificate reaches only once every domain was verified.
PAST_DOMAIN_VERIFICATION = frozenset(
    {
        Status.PENDING_ORG_VERIFICATION,
        Status.TO_BE_ISSUED,
        Status.ISSUED,
        Status.REVOKING,
        Status.REVOKED,
        Status.EXPIRED,
    }
)


class Domain(models.Model):
    """One domain of an application and the proof that the applicant controls it."""

    certificate = models.ForeignKey("Certificate", on_delete=models.CASCADE, related_name="domains")
    name = models.CharField(max_length=253)
    is_primary = models.BooleanField(default=False)

    method = models.CharField(max_length=10, choices=Method.choices, default=Method.DNS)
    token = models.CharField(max_length=64, default=new_token)
    status = models.CharField(
        max_length=10, choices=DomainStatus.choices, default=DomainStatus.PENDING
    )
    checks = models.PositiveIntegerField(default=0, help_text="Checks since it became pending.")
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=500, blank=True)
    # What kind of failure the last check found, as ACME names it (dns, connection,
    # incorrectResponse); empty when it passed or no check was made.
    last_problem = models.CharField(max_length=30, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    # A checker holds this lease while it checks, so no two check the domain at once.
    checking_until = models.DateTimeField(null=True, blank=True)
    # The due time the worker's next re-check is queued for: of several jobs that finish
    # a check, only the one that moves this enqueues the next (tasks.check_domain).
    recheck_queued_for = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    email_address = models.EmailField(blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    # The nonce inside the emailed link; emptied once the link is used (single use).
    email_nonce = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certificate", "name"], name="domain_unique_per_cert")
        ]
        indexes = [
            models.Index(fields=["name"], name="domain_name"),
            models.Index(fields=["status", "next_check_at"], name="domain_due"),
        ]
        ordering = ["-is_primary", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def unicode_name(self) -> str:
        """How an internationalised name reads (bücher.example for xn--bcher-kva.example)."""
        return unicode_form(self.name)

    @property
    def shown_status(self) -> ShownStatus:
        """What is true of this domain now, read with its certificate's state: a domain still
        marked pending was verified with its certificate once that passed domain verification
        (rows from before the CA's override settled them), and is no longer being checked
        once the application failed, was withdrawn or reopened before that."""
        status = DomainStatus(self.status)
        if status != DomainStatus.PENDING:
            return ShownStatus(status.value, status.label)
        certificate = self.certificate
        if certificate.status in PAST_DOMAIN_VERIFICATION or certificate.domains_verified_at:
            return ShownStatus(DomainStatus.VERIFIED.value, DomainStatus.VERIFIED.label)
        if certificate.status == Status.PENDING_DOMAIN_VERIFICATION:
            return ShownStatus(status.value, status.label)
        return NOT_VERIFIED

    @property
    def base_name(self) -> str:
        """The name whose control is proven: a wildcard's parent (*.example.com → example.com)."""
        return self.name.removeprefix("*.")

    @property
    def txt_name(self) -> str:
        return f"_dnsauth.{self.base_name}"

    @property
    def file_url(self) -> str:
        return f"http://{self.base_name}/.well-known/pki-validation/fileauth.txt"

    @property
    def email_addresses(self) -> list[str]:
        """The addresses the Baseline Requirements allow (§3.2.2.4.4: admin, administrator,
        webmaster, hostmaster, postmaster) at the domain and at each parent up to the
        registrable domain: whoever runs example.com may confirm www.shop.example.com."""
        hosts = [self.base_name]
        top = registrable(self.base_name)
        while hosts[-1] != top and "." in hosts[-1]:
            hosts.append(hosts[-1].split(".", 1)[1])
        return [f"{local}@{host}" for host in hosts for local in EMAIL_LOCAL_PARTS]

    @property
    def acme_txt_name(self) -> str:
        return f"_acme-challenge.{self.base_name}"

    @property
    def key_authorization(self) -> str:
        """What an ACME client serves for this domain's challenge (RFC 8555 §8.1): the token
        and the thumbprint of its account's key as it is now."""
        return f"{self.token}.{self.certificate.acme_order.account.thumbprint}"

    @property
    def challenge_started(self) -> bool:
        """Has the ACME client asked for its challenge (self.method) to be checked?"""
        return self.checks > 0 or self.next_check_at is not None or self.status != "pending"

    def allowed_methods(self) -> list[Method]:
        """DNS for every product; file (not wildcard) and email for OV and EV (SPEC §5); an
        ACME order's challenges: http-01 and dns-01, only dns-01 for a wildcard (§11)."""
        if self.certificate.csr_source == CsrSource.ACME:
            if self.name.startswith("*."):
                return [Method.ACME_DNS]
            return [Method.ACME_HTTP, Method.ACME_DNS]
        if not self.certificate.product.needs_org_verification:
            return [Method.DNS]
        if self.name.startswith("*."):
            return [Method.DNS, Method.EMAIL]
        return [Method.DNS, Method.FILE, Method.EMAIL]


class ValidationEmail(models.Model):
    """A validation email sent: what the limits per recipient and per account count
    (services/limits.py), so that no address can be flooded through many applications."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    domain = models.ForeignKey(
        Domain, on_delete=models.SET_NULL, null=True, blank=True, related_name="emails"
    )
    address = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["address", "sent_at"], name="email_address_sent"),
            models.Index(fields=["team", "sent_at"], name="email_team_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.address} at {self.sent_at:%Y-%m-%d %H:%M}"

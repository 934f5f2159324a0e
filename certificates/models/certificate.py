"""The certificate: what was bought and applied for, its facts along the way, and the
writes that keep its denormalised columns true (domains, search keys, staff edits)."""

import itertools
import secrets
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.conf import settings
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.modelfields import PhoneNumberField

from certificates import prefixes
from certificates.actions import STAFF_EDIT
from certificates.ca import profiles
from certificates.choices import (
    Brand,
    CertificateType,
    CsrSource,
    DomainType,
    KeyAlgorithm,
    RevocationReason,
    Status,
)
from certificates.domains import special_words_in
from certificates.exceptions import EditRefused
from certificates.models.authority import CertificateAuthority
from certificates.models.domain import Domain
from certificates.models.lifecycle import Lifecycle
from certificates.models.organization import Organization
from certificates.models.querysets import NO_EXPIRY, WORKFLOW_ORDER, CertificateQuerySet
from certificates.models.records import Record
from certificates.models.search import SearchKey
from certificates.permissions import may_edit

# Three digits after the milliseconds: a counter (from a random start per process), so
# names made in the same millisecond, as a bulk purchase makes them, never repeat.
_name_sequence = itertools.count(secrets.randbelow(1000))


def generate_name() -> str:
    """A default certificate name in the console's style: scs + milliseconds + 3 digits."""
    return f"scs{time.time_ns() // 1_000_000}{next(_name_sequence) % 1000:03d}"


class DomainFacts(NamedTuple):
    """What a certificate's domains imply for its own columns and its search keys."""

    count: int
    manual_review: bool
    keys: set[str]


def domain_facts(primary: str, additional: Sequence[str], name: str = "") -> DomainFacts:
    """The domain count, the manual-review flag (a special word) and, given the name, the
    search keys of a certificate with these domains: set_domains() writes them, and so does
    anything that writes certificates in bulk (bench/run.py)."""
    names = [primary, *additional]
    return DomainFacts(
        count=len(names),
        manual_review=bool(special_words_in(names)),
        keys=prefixes.keys_for(name, names) if name else set(),
    )


class Certificate(Lifecycle):
    """A certificate bought, applied for and, once issued, downloadable: one row of the
    management list (SPEC §3)."""

    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="certificates")
    # The member who bought it (the team owns it).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    name = models.CharField(max_length=64, default=generate_name)
    certificate_type = models.CharField(
        "type", max_length=10, choices=CertificateType.choices, default=CertificateType.DV
    )
    domain_type = models.CharField(
        max_length=10, choices=DomainType.choices, default=DomainType.SINGLE
    )
    brand = models.CharField(max_length=20, choices=Brand.choices, default=Brand.AURORA)
    key_algorithm = models.CharField(
        max_length=10, choices=KeyAlgorithm.choices, default=KeyAlgorithm.RSA_2048
    )
    is_test = models.BooleanField(
        "test certificate", default=False, help_text="Free DV certificate valid for 3 months."
    )
    additional_domain_slots = models.PositiveSmallIntegerField(
        default=0, help_text="Additional domains bought with a multiple-domain certificate."
    )
    # Denormalised from the primary Domain row so the list can show, sort and search it
    # without a join; set_domains() is the one writer of both.
    primary_domain = models.CharField(max_length=253, blank=True)
    domain_count = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="How many domains; set_domains() keeps it."
    )

    manual_review = models.BooleanField(
        default=False, help_text="A domain contains a special word; the CA checks it by hand."
    )
    failure_reason = models.TextField(blank=True)
    revocation_reason = models.TextField(blank=True)
    revocation_reason_code = models.CharField(
        max_length=30, choices=RevocationReason.choices, default=RevocationReason.UNSPECIFIED
    )

    # Issuance (SPEC §6): written in the transaction that moves the state to Issued.
    certificate_pem = models.TextField(blank=True)
    serial_number = models.CharField(max_length=64, blank=True, db_index=True)
    issuer = models.ForeignKey(
        CertificateAuthority, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    renewal_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals"
    )
    expiry_notice_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The last expiry email: 30 or 7 days before."
    )

    # The application (SPEC §4)
    csr_source = models.CharField(
        "CSR source", max_length=10, choices=CsrSource.choices, default=CsrSource.SYSTEM
    )
    csr_pem = models.TextField("CSR", blank=True)
    # Fernet ciphertext of the PKCS#8 PEM (ca/keystore.py); only for system-generated keys.
    private_key = models.BinaryField(null=True, blank=True, editable=False)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    applicant_name = models.CharField("applicant contact", max_length=100, blank=True)
    applicant_email = models.EmailField("applicant email", blank=True)
    applicant_phone = PhoneNumberField(
        "applicant phone", blank=True, help_text="The CA may call this number."
    )
    technical_name = models.CharField("technical contact", max_length=100, blank=True)
    technical_email = models.EmailField("technical email", blank=True)
    technical_phone = PhoneNumberField("technical phone", blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Sort keys kept by the database (models/querysets.py), so each sort has an index.
    status_rank = models.GeneratedField(
        expression=WORKFLOW_ORDER,
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    expiry_key = models.GeneratedField(
        expression=Coalesce("not_after", Value(NO_EXPIRY)),
        output_field=models.DateTimeField(),
        db_persist=True,
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    domains_verified_at = models.DateTimeField(null=True, blank=True)
    org_verified_at = models.DateTimeField(null=True, blank=True)
    # The validation staff's checklist for OV/EV (issue 4).
    org_registry_checked = models.BooleanField(
        "registry record checked", default=False, help_text="Found in the official registry."
    )
    org_phone_checked = models.BooleanField(
        "public phone checked", default=False, help_text="Called on its publicly listed number."
    )
    org_address_checked = models.BooleanField(
        "address checked", default=False, help_text="The address matches the registry."
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    withdrawal_requested_at = models.DateTimeField(null=True, blank=True)
    revocation_requested_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)
    not_after = models.DateTimeField(null=True, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        permissions = [
            (
                "validate_certificate",
                "Can verify domains and organizations, reject and complete withdrawals",
            ),
            ("issue_certificate", "Can issue certificates"),
            ("revoke_certificate", "Can approve or deny revocations"),
        ]
        # One index per sort of the list (querysets.SORTS), led by the team, with the status
        # last: counting the rows around a page (the list's bounded count and its position,
        # which skip deleted rows) then reads the index alone, not each row.
        indexes = [
            models.Index(fields=["team", "-id", "status"], name="cert_team_created"),
            models.Index(fields=["team", "-updated_at", "-id", "status"], name="cert_team_updated"),
            models.Index(fields=["team", "expiry_key", "-id", "status"], name="cert_team_expiry"),
            models.Index(fields=["team", "status_rank", "-id", "status"], name="cert_team_status"),
            models.Index(fields=["team", "status", "-id"], name="cert_team_status_created"),
            models.Index(fields=["primary_domain"], name="cert_primary_domain"),
            # The admin (certificates/admin/scale.py): newest first by each filter that may
            # keep few rows, and each staff queue oldest first.
            models.Index(fields=["status", "-id"], name="cert_status_created"),
            models.Index(fields=["manual_review", "-id"], name="cert_review_created"),
            models.Index(fields=["is_test", "-id"], name="cert_test_created"),
            models.Index(fields=["status", "domains_verified_at", "id"], name="cert_queue_org"),
            models.Index(fields=["status", "updated_at", "id"], name="cert_queue_issue"),
            models.Index(
                fields=["status", "revocation_requested_at", "id"], name="cert_queue_revoke"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # Its fields read as the console's types. What pages say of them is in presenter.py,
    # the rules they follow in rules.py.

    @property
    def state(self) -> Status:
        return Status(self.status)

    @property
    def product(self) -> CertificateType:
        return CertificateType(self.certificate_type)

    @property
    def domain_names(self) -> list[str]:
        """All domains, the primary one first (one query unless prefetched)."""
        return [domain.name for domain in self.domains.all()]

    @property
    def detail_url(self) -> str:
        # Not get_absolute_url(): the admin's "view on site" shortcut would then tell any
        # staff member which certificate ids exist.
        return reverse("certificates:detail", args=[self.pk])

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        with transaction.atomic():
            super().save(*args, **kwargs)
            if adding:
                SearchKey.rewrite([self], domains={self.pk: []}, fresh=True)

    def sign(self) -> None:
        """Sign the application's CSR key for its domains with the brand's issuing CA, in
        the profile of its type, for not_before … not_after; sets the certificate's fields."""
        authority = CertificateAuthority.objects.issuing(self.brand)
        organization = self.organization
        self.certificate_pem, self.serial_number = authority.sign_csr(
            self.csr_pem,
            domains=self.domain_names,
            policy=profiles.POLICY_OF[self.certificate_type],
            organization=organization
            and profiles.Organization(
                legal_name=organization.legal_name,
                country=organization.country.code,
                state=organization.state,
                city=organization.city,
                registration_number=organization.registration_number,
            ),
            not_before=self.not_before,
            not_after=self.not_after,
        )
        self.issuer = authority

    def set_domains(self, primary: str, additional: Sequence[str] = ()) -> None:
        """Replace the application's domains (the certificate must already be saved); a
        special word in any of them puts the application in manual review."""
        facts = domain_facts(primary, additional)
        self.primary_domain = primary
        self.manual_review, self.domain_count = facts.manual_review, facts.count
        with transaction.atomic():
            Certificate.objects.filter(pk=self.pk).update(
                primary_domain=primary,
                manual_review=self.manual_review,
                domain_count=self.domain_count,
            )
            self.domains.all().delete()
            Domain.objects.bulk_create(
                [Domain(certificate=self, name=primary, is_primary=True)]
                + [Domain(certificate=self, name=name) for name in additional]
            )
            SearchKey.rewrite([self], domains={self.pk: [primary, *additional]})

    def staff_may_edit(self, name: str, user: Any) -> bool:
        """May this staff member edit this field now (their group's duty, the right state)?"""
        return may_edit(self, name, user)

    def staff_edit(self, by: Any, changes: dict[str, Any]) -> None:
        """Apply a staff member's edits of the fields of their duty, logged like a
        transition in the same transaction; raise EditRefused (nothing changed) for a field
        that is not theirs to edit, or when the certificate moved on meanwhile."""
        if not changes:
            return
        for name in changes:
            if not self.staff_may_edit(name, by):
                field = self._meta.get_field(name).verbose_name
                raise EditRefused(
                    _(
                        "You may not change “%(field)s” of a certificate that is “%(state)s”; "
                        "nothing was changed."
                    )
                    % {"field": field, "state": self.get_status_display()}
                )
        now = timezone.now()
        with transaction.atomic():
            updated = Certificate.objects.filter(pk=self.pk, status=self.status).update(
                **changes, updated_at=now
            )
            if not updated:
                raise EditRefused(
                    _("Someone else changed this certificate first; nothing was changed.")
                )
            Record.of_step(
                self,
                STAFF_EDIT,
                by=by,
                source=self.status,
                target=self.status,
                reason="; ".join(
                    f"{self._meta.get_field(name).verbose_name}: {'yes' if value else 'no'}"
                    for name, value in changes.items()
                ),
            ).save()
        for name, value in changes.items():
            setattr(self, name, value)
        self.updated_at = now

    def rename(self, name: str, *, by: Any) -> None:
        """Change the display name; touches nothing else, so it never races a transition."""
        self.name, self.updated_at = name, timezone.now()
        with transaction.atomic():
            # The name as saved (a form may have set the new one on this instance already).
            before = Certificate.objects.values_list("name", flat=True).get(pk=self.pk)
            Certificate.objects.filter(pk=self.pk).update(name=name, updated_at=self.updated_at)
            SearchKey.rewrite([self])
            Record.note(
                self,
                "rename",
                actor=by,
                detail=f"{before} → {name}",
            )


class OrganizationReview(Certificate):
    """Applications waiting for organization verification: the Validation queue."""

    class Meta:
        proxy = True
        verbose_name = "organization to verify"
        verbose_name_plural = "organizations to verify (70%)"


class IssuanceQueue(Certificate):
    """Applications at 90% that wait for the Issuance staff: OV and EV, and DVs in manual
    review (the others are issued by the system)."""

    class Meta:
        proxy = True
        verbose_name = "application to issue"
        verbose_name_plural = "applications to issue (90%)"


class RevocationRequest(Certificate):
    """Revocations the owners asked for: the Revocation queue."""

    class Meta:
        proxy = True
        verbose_name = "revocation request"
        verbose_name_plural = "revocation requests"

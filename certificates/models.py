import base64
import datetime as dt
import hashlib
import itertools
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.dispatch import Signal, receiver
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField
from django_fsm import (
    GET_STATE,
    ConcurrentTransition,
    ConcurrentTransitionMixin,
    FSMField,
    can_proceed,
    has_transition_perm,
    post_transition,
    transition,
)
from phonenumber_field.modelfields import PhoneNumberField

from certificates import search, verification
from certificates import x509 as csr_tools
from certificates.choices import (
    EMAIL_LOCAL_PARTS,
    ISSUE_WORKING_DAYS,
    Brand,
    CAKind,
    CallOutcome,
    CertificateType,
    CsrSource,
    DomainStatus,
    DomainType,
    KeyAlgorithm,
    Method,
    RevocationReason,
    Server,
    Status,
)
from certificates.domains import registrable, special_words_in, unicode_form
from certificates.querysets import NO_EXPIRY, WORKFLOW_ORDER, CertificateQuerySet
from certificates.validity import validity_period
from certificates.workdays import add_working_days

User = AbstractBaseUser | AnonymousUser

VALIDATE = "certificates.validate_certificate"
ISSUE = "certificates.issue_certificate"
REVOKE = "certificates.revoke_certificate"


# Sent inside the transaction of every applied transition: certificate, source, name.
state_entered = Signal()


class TransitionRefused(Exception):
    """A transition that was not applied; the message says why in the user's words."""


class CAAForbids(TransitionRefused):
    """A CAA record names other CAs only: this CA must not issue (RFC 8659)."""


class CAAUnavailable(TransitionRefused):
    """CAA could not be looked up; issuance waits and is tried again."""


# Three digits after the milliseconds: a counter (from a random start per process), so
# names made in the same millisecond, as a bulk purchase makes them, never repeat.
_name_sequence = itertools.count(secrets.randbelow(1000))


def generate_name() -> str:
    """A default certificate name in the console's style: scs + milliseconds + 3 digits."""
    return f"scs{time.time_ns() // 1_000_000}{next(_name_sequence) % 1000:03d}"


# Who may run a transition. django-fsm calls these with (certificate, user).


def is_owner(certificate: "Certificate", user: User) -> bool:
    return user.is_authenticated and certificate.owner_id == user.pk


def is_validator(certificate: "Certificate", user: User) -> bool:
    return user.has_perm(VALIDATE)


def is_validator_or_issuer(certificate: "Certificate", user: User) -> bool:
    return user.has_perm(VALIDATE) or user.has_perm(ISSUE)


def system_only(certificate: "Certificate", user: User) -> bool:
    return False


class EditRefused(Exception):
    """A staff edit that was not applied; the message says why."""


# The fields staff may edit on a certificate (the admin's change form), each the duty of
# one group (its permission) and only while it means something (the states).
IN_REVIEW = frozenset(
    {Status.PENDING_DOMAIN_VERIFICATION, Status.PENDING_ORG_VERIFICATION, Status.TO_BE_ISSUED}
)
STAFF_FIELDS: dict[str, tuple[str, frozenset[str]]] = {
    "manual_review": (VALIDATE, IN_REVIEW),
    "org_registry_checked": (VALIDATE, frozenset({Status.PENDING_ORG_VERIFICATION})),
    "org_phone_checked": (VALIDATE, frozenset({Status.PENDING_ORG_VERIFICATION})),
    "org_address_checked": (VALIDATE, frozenset({Status.PENDING_ORG_VERIFICATION})),
}
STAFF_EDIT = "staff_edit"  # the transition log's name for a staff edit (not a transition)


# When a transition may run. Each condition explains itself when it is not met.


def explains(message: str) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    def decorate(condition: Callable[..., bool]) -> Callable[..., bool]:
        condition.refusal = message  # type: ignore[attr-defined]
        return condition

    return decorate


@explains(
    "the application is not complete: it needs the domains, a CSR and, for OV and EV, "
    "the organization and the applicant contact"
)
def is_complete(certificate: "Certificate") -> bool:
    if not (certificate.primary_domain and certificate.csr_pem):
        return False
    if certificate.product.needs_org_verification:
        return bool(
            certificate.organization_id
            and certificate.applicant_name
            and certificate.applicant_email
            and certificate.applicant_phone
        )
    return True


@explains("tick the registry, public phone and address checks first")
def org_checklist_done(certificate: "Certificate") -> bool:
    return (
        certificate.org_registry_checked
        and certificate.org_phone_checked
        and certificate.org_address_checked
    )


@explains("its expiry date has not passed yet")
def has_expired(certificate: "Certificate") -> bool:
    return certificate.not_after is not None and certificate.not_after <= timezone.now()


def after_domain_verification(certificate: "Certificate", *args: Any, **kwargs: Any) -> Status:
    """DV goes straight to 90%; OV and EV wait for organization verification at 70%."""
    if certificate.product.needs_org_verification:
        return Status.PENDING_ORG_VERIFICATION
    return Status.TO_BE_ISSUED


def _owner(label: str, done: str) -> dict[str, Any]:
    return {"label": label, "done": done, "owner": True, "admin": False}


def _staff(label: str, done: str, *, reason: bool = False) -> dict[str, Any]:
    custom: dict[str, Any] = {"label": label, "done": done}
    if reason:
        custom["form"] = "certificates.forms.ReasonForm"
    return custom


def _required(reason: str, why: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(f"A reason is required {why}.")
    return reason


class Organization(models.Model):
    """An applicant's organization (OV/EV), saved so it can be picked again."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organizations"
    )
    legal_name = models.CharField(max_length=200)
    country = CountryField()
    state = models.CharField("state/province", max_length=100)
    city = models.CharField(max_length=100)
    address = models.CharField(max_length=300)
    registration_number = models.CharField(max_length=64)
    phone = PhoneNumberField(
        "public phone number", help_text="A number listed publicly for the organization."
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["legal_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "country", "registration_number"], name="org_unique_per_owner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.country.code} {self.registration_number})"


class CertificateAuthority(models.Model):
    """A CA certificate of the built-in CA: a root, or the issuing CA of one brand."""

    brand = models.CharField(max_length=20, choices=Brand.choices)
    kind = models.CharField(max_length=20, choices=CAKind.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True)
    name = models.CharField(max_length=200)
    certificate_pem = models.TextField()
    # Fernet ciphertext of the CA's private key (keystore.py): never shown, never logged.
    private_key = models.BinaryField(editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    crl_der = models.BinaryField(null=True, blank=True, editable=False)
    crl_number = models.PositiveBigIntegerField(default=0)
    crl_updated_at = models.DateTimeField(null=True, blank=True)

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


class StatusNote(NamedTuple):
    """A line under a certificate's status in the list: `kind` names it for scripts and
    tests, `tone` is "", "warn" or "error"."""

    kind: str
    text: str
    tone: str = ""


class TimelineEntry(NamedTuple):
    """One line of a certificate's timeline on its details page."""

    at: dt.datetime
    kind: str
    summary: str
    actor: str = ""
    states: str = ""
    reason: str = ""
    link: tuple[str, str] | None = None


class Certificate(ConcurrentTransitionMixin, models.Model):
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

    status = FSMField(
        max_length=40, choices=Status.choices, default=Status.PENDING_APPLICATION, protected=True
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
    # Fernet ciphertext of the PKCS#8 PEM (keystore.py); only for system-generated keys.
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
    # Sort keys kept by the database (querysets.py), so each sort has an index.
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
        # One index per sort of the list (querysets.SORTS), led by the owner.
        indexes = [
            models.Index(fields=["owner", "-id"], name="cert_owner_created"),
            models.Index(fields=["owner", "-updated_at", "-id"], name="cert_owner_updated"),
            models.Index(fields=["owner", "expiry_key", "-id"], name="cert_owner_expiry"),
            models.Index(fields=["owner", "status_rank", "-id"], name="cert_owner_status"),
            models.Index(fields=["owner", "status", "-id"], name="cert_owner_status_created"),
            models.Index(fields=["primary_domain"], name="cert_primary_domain"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The log entries queued by transitions are written in the same transaction as
        # the state; a save that fails (a lost race) takes them down with it.
        pending = self.__dict__.pop("_pending_log", [])
        adding = self._state.adding
        with transaction.atomic():
            super().save(*args, **kwargs)
            TransitionLog.objects.bulk_create(pending)
            if adding:
                SearchKey.rewrite([self], domains={self.pk: []}, fresh=True)

    @property
    def detail_url(self) -> str:
        # Not get_absolute_url(): the admin's "view on site" shortcut would then tell any
        # staff member which certificate ids exist.
        return reverse("certificates:detail", args=[self.pk])

    def refresh_from_db(
        self, using: str | None = None, fields: Any = None, from_queryset: Any = None
    ) -> None:
        # django-fsm reloads a protected field by switching the field's class-wide
        # `protected` flag off and on again, which races between threads (the live server,
        # threaded workers). Copy the row's values in instead: no descriptor is involved.
        if fields is not None and "status" not in fields:
            models.Model.refresh_from_db(self, using, fields, from_queryset)
            return
        queryset = from_queryset or type(self)._base_manager.db_manager(using)
        fresh = queryset.get(pk=self.pk)
        for field in self._meta.concrete_fields:
            if fields is None or field.name in fields or field.attname in fields:
                self.__dict__[field.attname] = fresh.__dict__[field.attname]
                if field.is_relation and field.is_cached(self):
                    field.delete_cached_value(self)
        self._state.db = fresh._state.db
        self._update_initial_state()

    @property
    def state_fields(self) -> tuple[FSMField, ...]:
        # ConcurrentTransitionMixin looks for its state fields among all ~50 fields each
        # time a row becomes a model (a page of 20 rows: a thousand checks); there is one.
        return (self._meta.get_field("status"),)

    # Derived facts

    @property
    def state(self) -> Status:
        return Status(self.status)

    @property
    def product(self) -> CertificateType:
        return CertificateType(self.certificate_type)

    @property
    def brand_label(self) -> str:
        return Brand(self.brand).label

    @property
    def domain_type_label(self) -> str:
        return DomainType(self.domain_type).label

    @property
    def progress(self) -> int | None:
        return self.state.progress

    @property
    def expires_on(self) -> dt.date | None:
        """The local date not_after falls on (what the list shows as the expiry)."""
        return timezone.localdate(self.not_after) if self.not_after else None

    def days_left(self, now: Any = None) -> int | None:
        """Whole days until not_after, or None before issuance."""
        if self.not_after is None:
            return None
        return (self.not_after - (now or timezone.now())).days

    def expected_issue_dates(self) -> tuple[dt.date, dt.date] | None:
        """While in progress, the first and last day issuance is expected (SPEC §4):
        working days counted from domain verification (today, while it is pending)."""
        if self.status not in {
            Status.PENDING_DOMAIN_VERIFICATION,
            Status.PENDING_ORG_VERIFICATION,
            Status.TO_BE_ISSUED,
        }:
            return None
        start = timezone.localdate(self.domains_verified_at or timezone.now())
        low, high = ISSUE_WORKING_DAYS[self.product]
        extra = settings.SCM_MANUAL_REVIEW_EXTRA_DAYS if self.manual_review else 0
        return add_working_days(start, low + extra), add_working_days(start, high + extra)

    @property
    def key_description(self) -> str:
        """The key as it really is: read from the issued certificate or the CSR (an
        applicant's own CSR may hold any allowed key); the purchase's choice only until
        a CSR exists, for the key the console will generate."""
        found = csr_tools.stored_key_in_words(self.certificate_pem, self.csr_pem)
        return found or KeyAlgorithm(self.key_algorithm).label

    @property
    def primary_domain_unicode(self) -> str:
        return unicode_form(self.primary_domain)

    @property
    def domain_names(self) -> list[str]:
        """All domains, the primary one first (one query unless prefetched)."""
        return [domain.name for domain in self.domains.all()]

    @property
    def expires_soon(self) -> bool:
        days = self.days_left()
        return (
            self.status == Status.ISSUED
            and days is not None
            and days <= settings.SCM_EXPIRY_WARNING_DAYS
        )

    @property
    def issues_by_itself(self) -> bool:
        """A DV without manual review is issued by the system the moment its domains pass."""
        return (
            settings.SCM_AUTO_ISSUE_DV
            and not self.product.needs_org_verification
            and not self.manual_review
        )

    def expected_issue(self) -> str | None:
        """When issuance will really happen, in words: within minutes for a DV the system
        issues by itself, else the range of working days (SPEC §4)."""
        if self.issues_by_itself and self.status == Status.PENDING_DOMAIN_VERIFICATION:
            return "Issued within minutes of every domain passing its check"
        if self.issues_by_itself and self.status == Status.TO_BE_ISSUED:
            return "Being issued now: within minutes"
        expected = self.expected_issue_dates()
        if expected is None:
            return None
        first, last = (day.isoformat() for day in expected)
        return f"Expected {first if first == last else f'{first} – {last}'}"

    def status_notes(self) -> list[StatusNote]:
        """What the list says under the status: when issuance is expected, why it waits or
        failed, and when an issued certificate runs out."""
        notes = []
        if expected := self.expected_issue():
            notes.append(StatusNote("expected", expected))
        if self.manual_review and self.progress is not None and self.status != Status.ISSUED:
            notes.append(
                StatusNote("manual-review", "Manual review — this can take longer", "warn")
            )
        if self.failure_reason:
            notes.append(StatusNote("failure", self.failure_reason, "error"))
        if self.status == Status.WITHDRAWING:
            notes.append(StatusNote("withdrawing", "The CA is stopping verification"))
        if self.status == Status.REVOKING:
            notes.append(StatusNote("revoking", f"You asked: {self.revocation_reason}"))
        if self.expires_soon:
            days = self.days_left()
            when = "today" if days < 1 else f"in {days} day{'s' if days != 1 else ''}"
            notes.append(StatusNote("expiry", f"Expires {when}", "warn"))
        return notes

    def timeline(self) -> list[TimelineEntry]:
        """What happened to this certificate, oldest first: its purchase (or the renewal
        it started as), every state change and staff edit, and the renewals started from it."""

        def linked(other: "Certificate") -> tuple[str, str] | None:
            if other.status == Status.DELETED:
                return None
            return other.detail_url, f"{other.name} (ID {other.pk})"

        owner = self.owner.get_username()
        entries = [
            TimelineEntry(self.created_at, "purchased", "Purchased", owner)
            if self.renewal_of is None
            else TimelineEntry(
                self.created_at,
                "purchased",
                "Started as the renewal of",
                owner,
                link=linked(self.renewal_of)
                or ("", f"{self.renewal_of.name} (ID {self.renewal_of_id})"),
            )
        ]
        for entry in self.log.select_related("actor"):
            states = (
                ""
                if entry.source == entry.target
                else (f"{entry.get_source_display()} → {entry.get_target_display()}")
            )
            entries.append(
                TimelineEntry(
                    entry.at, entry.target, entry.summary, entry.actor_display, states, entry.reason
                )
            )
        for renewal in self.renewals.all():
            entries.append(
                TimelineEntry(
                    renewal.created_at,
                    "renewed",
                    "Renewed: a new application was started,",
                    owner,
                    link=linked(renewal) or ("", f"{renewal.name} (ID {renewal.pk}), deleted"),
                )
            )
        return sorted(entries, key=lambda entry: entry.at)

    def live_fingerprint(self) -> str:
        """Changes whenever what the details page shows may have changed: the certificate,
        a domain's check or method, a new timeline entry, call or download."""
        latest = Certificate.objects.filter(pk=self.pk).values_list(
            "status",
            "updated_at",
            models.Subquery(
                TransitionLog.objects.filter(certificate=self.pk).order_by("-pk").values("pk")[:1]
            ),
            models.Subquery(
                ContactAttempt.objects.filter(certificate=self.pk).order_by("-pk").values("pk")[:1]
            ),
            models.Subquery(
                DownloadRecord.objects.filter(certificate=self.pk).order_by("-pk").values("pk")[:1]
            ),
            models.Subquery(
                Certificate.objects.filter(renewal_of=self.pk).order_by("-pk").values("pk")[:1]
            ),
        )
        domains = self.domains.values_list(
            "pk", "status", "method", "last_checked_at", "next_check_at", "email_sent_at"
        )
        raw = repr((list(latest), list(domains)))
        return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()

    def set_domains(self, primary: str, additional: Sequence[str] = ()) -> None:
        """Replace the application's domains (the certificate must already be saved); a
        special word in any of them puts the application in manual review."""
        self.primary_domain = primary
        self.manual_review = bool(special_words_in([primary, *additional]))
        self.domain_count = 1 + len(additional)
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

    def renewal_validity(self, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
        """(not_before, not_after) of this certificate's renewal if it were issued now: the
        longest validity in force (three months for a test certificate). Days left on this
        one are not added: the limit in force is also the longest a certificate may last."""
        return validity_period(now or timezone.now(), is_test=self.is_test)

    def check_caa(self) -> None:
        """Refuse issuance when a CAA record allows other CAs only (RFC 8659)."""
        if not settings.SCM_CHECK_CAA:
            return
        try:
            refusal = verification.caa_refusal(self.domain_names)
        except verification.CAALookupFailed as failed:
            raise CAAUnavailable(f"{failed} Issuance waits until CAA can be checked.") from None
        if refusal:
            raise CAAForbids(refusal)

    def staff_may_edit(self, name: str, user: User) -> bool:
        """May this staff member edit this field now (their group's duty, the right state)?"""
        duty = STAFF_FIELDS.get(name)
        return duty is not None and self.status in duty[1] and user.has_perm(duty[0])

    def staff_edit(self, by: User, changes: dict[str, Any]) -> None:
        """Apply a staff member's edits of the fields of their duty, logged like a
        transition in the same transaction; raise EditRefused (nothing changed) for a field
        that is not theirs to edit, or when the certificate moved on meanwhile."""
        if not changes:
            return
        for name in changes:
            if not self.staff_may_edit(name, by):
                field = self._meta.get_field(name).verbose_name
                raise EditRefused(
                    f"You may not change “{field}” of a certificate that is "
                    f"“{self.get_status_display()}”; nothing was changed."
                )
        now = timezone.now()
        with transaction.atomic():
            updated = Certificate.objects.filter(pk=self.pk, status=self.status).update(
                **changes, updated_at=now
            )
            if not updated:
                raise EditRefused(
                    "Someone else changed this certificate first; nothing was changed."
                )
            TransitionLog.objects.create(
                certificate=self,
                transition=STAFF_EDIT,
                source=self.status,
                target=self.status,
                actor=by,
                reason="; ".join(
                    f"{self._meta.get_field(name).verbose_name}: {'yes' if value else 'no'}"
                    for name, value in changes.items()
                ),
            )
        for name, value in changes.items():
            setattr(self, name, value)
        self.updated_at = now

    def rename(self, name: str) -> None:
        """Change the display name; touches nothing else, so it never races a transition."""
        self.name, self.updated_at = name, timezone.now()
        with transaction.atomic():
            Certificate.objects.filter(pk=self.pk).update(name=name, updated_at=self.updated_at)
            SearchKey.rewrite([self])

    # Transitions (SPEC §3). Each changes state and records facts; run_transition() saves.

    @transition(
        field=status,
        source=Status.PENDING_APPLICATION,
        target=Status.PENDING_DOMAIN_VERIFICATION,
        conditions=[is_complete],
        permission=is_owner,
        custom=_owner("Submit", "Application submitted"),
    )
    def submit(self, by: User | None = None, reason: str = "") -> None:
        """Send the completed application to the CA; domain verification starts."""
        self.submitted_at = timezone.now()

    @transition(
        field=status,
        source=Status.PENDING_DOMAIN_VERIFICATION,
        target=GET_STATE(
            after_domain_verification,
            states=[Status.PENDING_ORG_VERIFICATION, Status.TO_BE_ISSUED],
        ),
        permission=is_validator,
        custom=_staff("Mark domains verified", "Domain ownership verified", reason=True),
    )
    def verify_domains(self, by: User | None = None, reason: str = "") -> None:
        """Every domain passed; staff may override the checker, with a reason."""
        if by is not None:
            _required(reason, "to mark domains verified by hand")
        self.domains_verified_at = timezone.now()

    @transition(
        field=status,
        source=Status.PENDING_ORG_VERIFICATION,
        target=Status.TO_BE_ISSUED,
        conditions=[org_checklist_done],
        permission=is_validator,
        custom=_staff("Organization verified", "Organization verified"),
    )
    def verify_organization(self, by: User | None = None, reason: str = "") -> None:
        """The CA confirmed the organization (registry, phone call, address)."""
        self.org_verified_at = timezone.now()
        if self.organization_id:
            # Remembered for 13 months: the applicant's next application reuses it.
            Organization.objects.filter(pk=self.organization_id).update(
                verified_at=self.org_verified_at
            )

    @transition(
        field=status,
        source=Status.TO_BE_ISSUED,
        target=Status.ISSUED,
        permission=ISSUE,
        custom={**_staff("Issue", "Certificate issued"), "prepare": "check_caa"},
    )
    def issue(self, by: User | None = None, reason: str = "") -> None:
        """Sign the certificate, with the longest validity allowed today, in this transaction."""
        from certificates import issuance

        self.issued_at = timezone.now()
        self.not_before, self.not_after = validity_period(self.issued_at, is_test=self.is_test)
        issuance.sign(self)

    @transition(
        field=status,
        source=[
            Status.PENDING_DOMAIN_VERIFICATION,
            Status.PENDING_ORG_VERIFICATION,
            Status.TO_BE_ISSUED,
        ],
        target=Status.APPLICATION_FAILED,
        permission=is_validator_or_issuer,
        custom=_staff("Reject", "Application rejected", reason=True),
    )
    def reject(self, by: User | None = None, reason: str = "") -> None:
        """Refuse the application; the reason is shown to the applicant."""
        self.failure_reason = _required(reason, "to reject an application")
        self.failed_at = timezone.now()

    @transition(
        field=status,
        source=[Status.PENDING_DOMAIN_VERIFICATION, Status.PENDING_ORG_VERIFICATION],
        target=Status.WITHDRAWING,
        permission=is_owner,
        custom=_owner("Withdraw", "Withdrawal requested"),
    )
    def withdraw(self, by: User | None = None, reason: str = "") -> None:
        """The owner asks the CA to stop verifying this application."""
        self.withdrawal_requested_at = timezone.now()

    @transition(
        field=status,
        source=Status.WITHDRAWING,
        target=Status.PENDING_APPLICATION,
        permission=is_validator,
        custom=_staff("Complete withdrawal", "Application withdrawn"),
    )
    def complete_withdrawal(self, by: User | None = None, reason: str = "") -> None:
        """The CA stopped verifying; verification will restart from scratch."""
        self.submitted_at = self.domains_verified_at = self.org_verified_at = None
        self.withdrawal_requested_at = None

    @transition(
        field=status,
        source=Status.APPLICATION_FAILED,
        target=Status.PENDING_APPLICATION,
        permission=is_owner,
        custom=_owner("Apply again", "Reopened for editing"),
    )
    def edit(self, by: User | None = None, reason: str = "") -> None:
        """Reopen a failed application; the failure stays in the timeline."""
        self.failure_reason = ""
        self.failed_at = self.submitted_at = self.domains_verified_at = None
        self.org_verified_at = None

    @transition(
        field=status,
        source=Status.ISSUED,
        target=Status.REVOKING,
        permission=is_owner,
        custom=_owner("Request revocation", "Revocation requested"),
    )
    def request_revocation(
        self, by: User | None = None, reason: str = "", code: str = RevocationReason.UNSPECIFIED
    ) -> None:
        """The owner asks the CA to revoke, with an RFC 5280 reason; the CA reviews it."""
        self.revocation_reason = _required(reason, "to revoke a certificate")
        self.revocation_reason_code = RevocationReason(code)
        self.revocation_requested_at = timezone.now()

    @transition(
        field=status,
        source=Status.REVOKING,
        target=Status.REVOKED,
        permission=REVOKE,
        custom={
            **_staff("Approve revocation", "Certificate revoked"),
            "form": "certificates.forms.ConfirmRevocationForm",
        },
    )
    def approve_revocation(self, by: User | None = None, reason: str = "") -> None:
        """The CA revokes the certificate; the CRL and OCSP read the Revocation record,
        which stays whatever becomes of this row."""
        self.revoked_at = timezone.now()
        if self.issuer_id:  # signed by this CA: publish it
            Revocation.record(self)

    @transition(
        field=status,
        source=Status.REVOKING,
        target=Status.ISSUED,
        permission=REVOKE,
        custom=_staff("Deny revocation", "Revocation denied", reason=True),
    )
    def deny_revocation(self, by: User | None = None, reason: str = "") -> None:
        """The CA keeps the certificate valid; the reason is shown to the owner."""
        _required(reason, "to deny a revocation")
        self.revocation_reason = ""
        self.revocation_requested_at = None

    @transition(
        field=status,
        source=Status.ISSUED,
        target=Status.EXPIRED,
        conditions=[has_expired],
        permission=system_only,
        custom={"label": "Expire", "done": "Certificate expired", "admin": False},
    )
    def expire(self, by: User | None = None, reason: str = "") -> None:
        """not_after has passed."""
        self.expired_at = timezone.now()

    @transition(
        field=status,
        source=[
            Status.PENDING_APPLICATION,
            Status.APPLICATION_FAILED,
            Status.REVOKED,
            Status.EXPIRED,
        ],
        target=Status.DELETED,
        permission=is_owner,
        custom=_owner("Delete", "Deleted by the owner"),
    )
    def discard(self, by: User | None = None, reason: str = "") -> None:
        """Hide the certificate from the owner's list; the record and its log stay."""
        self.deleted_at = timezone.now()

    # Running transitions

    @classmethod
    def transition_custom(cls, name: str) -> dict[str, Any]:
        """The label, past-tense wording and flags of a transition, by method name."""
        meta = getattr(getattr(cls, name, None), "_django_fsm", None)
        if meta is None:
            raise TransitionRefused(f"There is no “{name}” action.")
        return next(iter(meta.transitions.values())).custom

    def owner_actions(self) -> list[str]:
        """Names of the owner's transitions the current state and conditions allow."""
        return [
            t.name
            for t in self.get_available_status_transitions()  # type: ignore[attr-defined]
            if t.custom.get("owner")
        ]

    def run_transition(self, name: str, *, by: User | None, **kwargs: Any) -> None:
        """Apply a transition as `by` (None for the system) and save, or change nothing.

        Raises TransitionRefused with a message for the user when the state, the user's
        permission or a concurrent change forbids it.
        """
        custom = self.transition_custom(name)
        label = custom["label"]
        method = getattr(self, name)
        if not can_proceed(method, check_conditions=False):
            raise TransitionRefused(
                f"“{label}” is not possible: the certificate is “{self.get_status_display()}”."
            )
        if not can_proceed(method):
            conditions = method._django_fsm.transitions[self.status].conditions
            unmet = [condition.refusal for condition in conditions if not condition(self)]
            raise TransitionRefused(f"“{label}” is not possible yet: {'; '.join(unmet)}.")
        if by is not None and not has_transition_perm(method, by):
            raise TransitionRefused(f"You are not allowed to “{label}” this certificate.")
        if prepare := custom.get("prepare"):
            getattr(self, prepare)()  # network checks happen before the transaction opens
        source = self.status
        try:
            with transaction.atomic():
                method(by=by, **kwargs)
                self.save()
                # Follow-up work (checks, simulated CA, automatic issuance) is queued in
                # the same transaction: it happens if and only if the change does.
                state_entered.send(Certificate, certificate=self, source=source, name=name, by=by)
        except ConcurrentTransition:
            self.refresh_from_db()
            raise TransitionRefused(
                f"Someone else changed this certificate first; it is now "
                f"“{self.get_status_display()}”. Nothing was changed."
            ) from None
        except Exception:
            # Nothing was saved: forget what the attempt changed in memory too.
            self.refresh_from_db()
            raise


@receiver(post_transition, sender=Certificate)
def queue_log_entry(
    sender: type[Certificate],
    instance: Certificate,
    name: str,
    source: str,
    target: str,
    method_kwargs: dict[str, Any],
    **kwargs: Any,
) -> None:
    instance.__dict__.setdefault("_pending_log", []).append(
        TransitionLog(
            certificate=instance,
            transition=name,
            source=source,
            target=target,
            actor=method_kwargs.get("by"),
            reason=(method_kwargs.get("reason") or "").strip(),
        )
    )


class OrganizationReview(Certificate):
    """Applications waiting for organization verification: the Validation queue."""

    class Meta:
        proxy = True
        verbose_name = "organization review"
        verbose_name_plural = "organization reviews (70%)"


class IssuanceQueue(Certificate):
    """Applications at 90% that wait for the Issuance staff: OV and EV, and DVs in manual
    review (the others are issued by the system)."""

    class Meta:
        proxy = True
        verbose_name = "application to issue"
        verbose_name_plural = "to be issued by staff (90%)"


class RevocationRequest(Certificate):
    """Revocations the owners asked for: the Revocation queue."""

    class Meta:
        proxy = True
        verbose_name = "revocation request"
        verbose_name_plural = "revocation requests"


def new_token() -> str:
    """A random validation token: 160 bits, in lower-case base32 (safe in DNS and files)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").lower()


class Domain(models.Model):
    """One domain of an application and the proof that the applicant controls it."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="domains")
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

    def allowed_methods(self) -> list[Method]:
        """DNS for every product; file (not wildcard) and email for OV and EV (SPEC §5)."""
        if not self.certificate.product.needs_org_verification:
            return [Method.DNS]
        if self.name.startswith("*."):
            return [Method.DNS, Method.EMAIL]
        return list(Method)


class SearchKey(models.Model):
    """A start of a certificate's name, or of one of its domains, or of a word or label in
    them: what the list's search matches (certificates/search.py). Rewritten whenever the
    name or the domains change."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="search_keys", db_index=False
    )
    # Collated "C" on PostgreSQL (migration 0009), so that keys compare byte by byte.
    key = models.CharField(max_length=search.MAX_KEY_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certificate", "key"], name="search_key_unique")
        ]
        indexes = [
            models.Index(fields=["owner", "key", "certificate"], name="search_owner_key"),
            models.Index(fields=["key", "certificate"], name="search_key"),  # staff, all owners
        ]

    def __str__(self) -> str:
        return self.key

    @classmethod
    def rewrite(
        cls,
        certificates: Sequence[Certificate],
        *,
        domains: dict[int, list[str]] | None = None,
        fresh: bool = False,
    ) -> None:
        """Replace the keys of these certificates. `domains` (certificate id → names) saves
        reading them; `fresh` certificates have no keys yet."""
        ids = [c.pk for c in certificates]
        if domains is None:
            domains = defaultdict(list)
            for certificate_id, name in Domain.objects.filter(certificate__in=ids).values_list(
                "certificate_id", "name"
            ):
                domains[certificate_id].append(name)
        with transaction.atomic():
            if not fresh:
                cls.objects.filter(certificate__in=ids).delete()
            cls.objects.bulk_create(
                cls(owner_id=c.owner_id, certificate_id=c.pk, key=key)
                for c in certificates
                for key in search.keys_for(c.name, [c.primary_domain, *domains.get(c.pk, [])])
            )

    @classmethod
    def matching(cls, term: str, owner: Any = None) -> models.QuerySet:
        """The ids of the certificates (of this owner, or of everyone) a term finds."""
        keys = cls.objects.filter(**search.key_range(term))
        if owner is not None:
            keys = keys.filter(owner=owner)
        return keys.values("certificate_id")


class TransitionLog(models.Model):
    """One state change: immutable, written in the transaction that changed the state."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="log")
    transition = models.CharField(max_length=40)
    source = models.CharField(max_length=40, choices=Status.choices)
    target = models.CharField(max_length=40, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text="Empty when the system made the change.",
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["certificate", "at"], name="log_certificate_at")]

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.source} → {self.target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Transition log entries are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Transition log entries are kept for audit.")

    @property
    def summary(self) -> str:
        if self.transition == STAFF_EDIT:
            return "Checks updated"
        return Certificate.transition_custom(self.transition)["done"]

    @property
    def actor_display(self) -> str:
        """Who acted, as the applicant sees it: themselves, or the CA (not which staff
        member; the CA's automatic checks and issuance are the CA too)."""
        if self.actor_id is not None and self.actor_id == self.certificate.owner_id:
            return self.actor.get_username()
        return "the CA"


class ContactAttempt(models.Model):
    """A phone call the CA made while verifying the organization (SPEC §4, issue 4)."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="contact_attempts"
    )
    at = models.DateTimeField(default=timezone.now)
    number = PhoneNumberField("number dialled")
    outcome = models.CharField(max_length=20, choices=CallOutcome.choices)
    notes = models.TextField(blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.number} at {self.at:%Y-%m-%d %H:%M}: {self.get_outcome_display()}"

    @property
    def advice(self) -> str:
        """What the applicant should do after this call."""
        if self.outcome == CallOutcome.REACHED:
            return "thank you"
        if self.outcome == CallOutcome.NO_ANSWER:
            return "make sure you can be reached"
        return "check the phone number on the application"


class ValidationEmail(models.Model):
    """A validation email sent: what the limits per recipient and per account count
    (certificates/limits.py), so that no address can be flooded through many applications."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    domain = models.ForeignKey(
        Domain, on_delete=models.SET_NULL, null=True, blank=True, related_name="emails"
    )
    address = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["address", "sent_at"], name="email_address_sent"),
            models.Index(fields=["owner", "sent_at"], name="email_owner_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.address} at {self.sent_at:%Y-%m-%d %H:%M}"


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
        Certificate, on_delete=models.SET_NULL, null=True, blank=True, related_name="revocation"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "serial_number"], name="revocation_unique")
        ]
        indexes = [models.Index(fields=["issuer", "not_after"], name="revocation_listed")]

    def __str__(self) -> str:
        return f"{self.serial_number} revoked at {self.revoked_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("A published revocation is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("A published revocation is never removed.")

    @classmethod
    def record(cls, certificate: Certificate) -> "Revocation":
        """Publish the certificate's revocation (its revoked_at and reason code)."""
        return cls.objects.create(
            issuer_id=certificate.issuer_id,
            serial_number=certificate.serial_number,
            revoked_at=certificate.revoked_at,
            reason_code=certificate.revocation_reason_code,
            not_after=certificate.not_after,
            certificate=certificate,
        )


class DownloadRecord(models.Model):
    """Who downloaded which bundle, when: shown in the certificate's timeline."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    server = models.CharField(max_length=10, choices=Server.choices)
    with_key = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["user", "at"], name="download_user_at")]  # limits

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.server} at {self.at:%Y-%m-%d %H:%M}"

"""What the console says about a certificate, read from its fields: its state in words,
when issuance is expected, the notes under its status, its key, its timeline and the
fingerprint its details page polls. Mixed into Certificate (models/certificate.py)."""

import datetime as dt
import hashlib
from typing import Any, NamedTuple

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from certificates.ca import csr as csr_tools
from certificates.choices import (
    ISSUE_WORKING_DAYS,
    Brand,
    CertificateType,
    CsrSource,
    DomainType,
    KeyAlgorithm,
    Status,
)
from certificates.domains import unicode_form
from certificates.models.audit import ContactAttempt
from certificates.models.records import STEPS, Record
from certificates.permissions import ACT, may
from certificates.validity import days_valid, validity_period
from certificates.workdays import add_working_days

# What of a certificate's records its timeline shows: its state changes and staff edits,
# and an ACME order's own steps (the order, each challenge's result).
ACME_STEPS = ("acme_order", "acme_challenge", "acme_finalize")
TIMELINE = STEPS | models.Q(action__in=ACME_STEPS)


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


class Presentation:
    """Facts and wording for pages; no writes."""

    def owner_steps(self, role: str | None) -> list[tuple[str, str]]:
        """(URL name, label) of each step a member with this role can take now, in the
        console's order: Apply (the application form) or Renew, then the owner's
        transitions; none for ReadOnly. One verb a step: the form submits an application,
        so "Submit" is not offered beside "Apply"."""
        if not may(role, ACT):
            return []
        steps = []
        if self.is_editable:
            steps.append(("apply", "Apply"))
        if self.can_renew:
            steps.append(("renew", "Renew"))
        steps += [(a.slug, a.label) for a in self.owner_actions() if a.name != "submit"]
        return steps

    @property
    def detail_url(self) -> str:
        # Not get_absolute_url(): the admin's "view on site" shortcut would then tell any
        # staff member which certificate ids exist.
        return reverse("certificates:detail", args=[self.pk])

    # Derived facts

    @property
    def can_renew(self) -> bool:
        """Only issued or expired certificates can be renewed; an ACME order by its client."""
        return self.status in (Status.ISSUED, Status.EXPIRED) and self.csr_source != CsrSource.ACME

    @property
    def is_editable(self) -> bool:
        """An application changes only before it is submitted (or after a withdrawal)."""
        return self.status == Status.PENDING_APPLICATION

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

    @property
    def validity_days(self) -> int | None:
        """How many days the certificate is valid, not_before to not_after inclusive as X.509
        counts them (199 for a certificate of 199 days); None before issuance."""
        if self.not_before is None or self.not_after is None:
            return None
        return days_valid(self.not_before, self.not_after)

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

        def linked(other: Any) -> tuple[str, str] | None:
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
        if self.csr_source == CsrSource.ACME:
            entries = []  # the order's own record says who ordered it, and when
        # Its records: every state change and staff edit, and an ACME order's own steps
        # (the order, each challenge's result), each with who did it as the team sees them.
        for record in self.records.filter(TIMELINE).order_by("at", "pk"):
            states = (
                ""
                if record.source == record.target
                else f"{record.get_source_display()} → {record.get_target_display()}"
            )
            kind = record.action if record.action in ACME_STEPS else record.target
            entries.append(
                TimelineEntry(
                    record.at, kind, record.summary, record.actor_name, states, record.detail
                )
            )
        for renewal in self.renewals.select_related("owner"):
            entries.append(
                TimelineEntry(
                    renewal.created_at,
                    "renewed",
                    "Renewed: a new application was started,",
                    renewal.owner.get_username(),
                    link=linked(renewal) or ("", f"{renewal.name} (ID {renewal.pk}), deleted"),
                )
            )
        return sorted(entries, key=lambda entry: entry.at)

    def live_fingerprint(self) -> str:
        """Changes whenever what the details page shows may have changed: the certificate,
        a domain's check or method, a new timeline entry, call or download."""
        latest = (
            type(self)
            .objects.filter(pk=self.pk)
            .values_list(
                "status",
                "updated_at",
                models.Subquery(
                    Record.objects.filter(certificate=self.pk).order_by("-pk").values("pk")[:1]
                ),
                models.Subquery(
                    ContactAttempt.objects.filter(certificate=self.pk)
                    .order_by("-pk")
                    .values("pk")[:1]
                ),
                models.Subquery(
                    type(self).objects.filter(renewal_of=self.pk).order_by("-pk").values("pk")[:1]
                ),
            )
        )
        domains = self.domains.values_list(
            "pk", "status", "method", "last_checked_at", "next_check_at", "email_sent_at"
        )
        raw = repr((list(latest), list(domains)))
        return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()

    def renewal_validity(self, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
        """(not_before, not_after) of this certificate's renewal if it were issued now: the
        longest validity in force (three months for a test certificate). Days left on this
        one are not added: the limit in force is also the longest a certificate may last."""
        return validity_period(now or timezone.now(), is_test=self.is_test)

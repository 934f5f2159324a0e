"""What pages say about a certificate, read from its fields: its progress and labels, when
issuance is expected, the notes under its status, its key and validity, the steps its
owner may take, its timeline (read from its records, the one log) and the fingerprint its
details page polls. Plain functions of the certificate, asked by the views, the API, the
admin and the services' emails and records; `Shown` hands them to templates. The rules
they show are in rules.py."""

import datetime as dt
import hashlib
from collections.abc import Callable
from functools import cached_property
from typing import Any, NamedTuple

from django.conf import settings
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certificates.ca import csr as csr_tools
from certificates.choices import (
    ISSUE_WORKING_DAYS,
    Brand,
    CsrSource,
    DomainType,
    KeyAlgorithm,
    Status,
)
from certificates.domains import unicode_form
from certificates.models.audit import ContactAttempt
from certificates.models.certificate import Certificate
from certificates.models.records import STEPS, Record
from certificates.models.rules import can_renew, is_editable, issues_by_itself
from certificates.permissions import ACT, may
from certificates.validity import days_valid
from certificates.workdays import add_working_days

# While in these states issuance is still to come, and the list says when.
IN_PROGRESS = frozenset(
    {Status.PENDING_DOMAIN_VERIFICATION, Status.PENDING_ORG_VERIFICATION, Status.TO_BE_ISSUED}
)


class StatusNote(NamedTuple):
    """A line under a certificate's status in the list: `kind` names it for scripts and
    tests, `tone` is "", "warn" or "error"."""

    kind: str
    text: str
    tone: str = ""


def owner_steps(certificate: Certificate, role: str | None) -> list[tuple[str, str]]:
    """(URL name, label) of each step a member with this role can take now, in the
    console's order: Apply (the application form) or Renew, then the owner's transitions;
    none for ReadOnly. One verb a step: the form submits an application, so "Submit" is not
    offered beside "Apply"."""
    if not may(role, ACT):
        return []
    steps = []
    if is_editable(certificate):
        steps.append(("apply", _("Apply")))
    if can_renew(certificate):
        steps.append(("renew", _("Renew")))
    steps += [(a.slug, a.label) for a in certificate.owner_actions() if a.name != "submit"]
    return steps


def progress(certificate: Certificate) -> int | None:
    """The Application Progress percent of its state; None outside the progress states."""
    return certificate.state.progress


def brand_label(certificate: Certificate) -> str:
    return Brand(certificate.brand).label


def domain_type_label(certificate: Certificate) -> str:
    return DomainType(certificate.domain_type).label


def primary_domain_unicode(certificate: Certificate) -> str:
    """The primary domain as people read it (an IDN in its own script)."""
    return unicode_form(certificate.primary_domain)


def key_description(certificate: Certificate) -> str:
    """The key as it really is: read from the issued certificate or the CSR (an applicant's
    own CSR may hold any allowed key); the purchase's choice only until a CSR exists, for
    the key the console will generate."""
    found = csr_tools.stored_key_in_words(certificate.certificate_pem, certificate.csr_pem)
    return found or KeyAlgorithm(certificate.key_algorithm).label


def expires_on(certificate: Certificate) -> dt.date | None:
    """The local date not_after falls on (what the list shows as the expiry)."""
    return timezone.localdate(certificate.not_after) if certificate.not_after else None


def validity_days(certificate: Certificate) -> int | None:
    """How many days the certificate is valid, not_before to not_after inclusive as X.509
    counts them (199 for a certificate of 199 days); None before issuance."""
    if certificate.not_before is None or certificate.not_after is None:
        return None
    return days_valid(certificate.not_before, certificate.not_after)


def days_left(certificate: Certificate, now: dt.datetime | None = None) -> int | None:
    """Whole days until not_after, or None before issuance."""
    if certificate.not_after is None:
        return None
    return (certificate.not_after - (now or timezone.now())).days


def expires_soon(certificate: Certificate) -> bool:
    """An issued certificate within SCM_EXPIRY_WARNING_DAYS of its end: the list warns."""
    days = days_left(certificate)
    return (
        certificate.status == Status.ISSUED
        and days is not None
        and days <= settings.SCM_EXPIRY_WARNING_DAYS
    )


def expected_issue_dates(certificate: Certificate) -> tuple[dt.date, dt.date] | None:
    """While in progress, the first and last day issuance is expected (SPEC §4): working
    days counted from domain verification (today, while it is pending)."""
    if certificate.status not in IN_PROGRESS:
        return None
    start = timezone.localdate(certificate.domains_verified_at or timezone.now())
    low, high = ISSUE_WORKING_DAYS[certificate.product]
    extra = settings.SCM_MANUAL_REVIEW_EXTRA_DAYS if certificate.manual_review else 0
    return add_working_days(start, low + extra), add_working_days(start, high + extra)


def expected_issue(certificate: Certificate) -> str | None:
    """When issuance will really happen, in words: within minutes for a DV the system
    issues by itself, else the range of working days (SPEC §4)."""
    automatic = issues_by_itself(certificate)
    if automatic and certificate.status == Status.PENDING_DOMAIN_VERIFICATION:
        return _("Issued within minutes of every domain passing its check")
    if automatic and certificate.status == Status.TO_BE_ISSUED:
        return _("Being issued now: within minutes")
    expected = expected_issue_dates(certificate)
    if expected is None:
        return None
    first, last = (formats.date_format(day, "SHORT_DATE_FORMAT") for day in expected)
    if first == last:
        return _("Expected %(date)s") % {"date": first}
    return _("Expected %(first)s – %(last)s") % {"first": first, "last": last}


def status_notes(certificate: Certificate) -> list[StatusNote]:
    """What the list says under the status: when issuance is expected, why it waits or
    failed, and when an issued certificate runs out."""
    notes = []
    if expected := expected_issue(certificate):
        notes.append(StatusNote("expected", expected))
    if (
        certificate.manual_review
        and progress(certificate) is not None
        and certificate.status != Status.ISSUED
    ):
        notes.append(StatusNote("manual-review", _("Manual review — this can take longer"), "warn"))
    if certificate.failure_reason:
        notes.append(StatusNote("failure", certificate.failure_reason, "error"))
    if certificate.status == Status.WITHDRAWING:
        notes.append(StatusNote("withdrawing", _("The CA is stopping verification")))
    if certificate.status == Status.REVOKING:
        notes.append(
            StatusNote(
                "revoking", _("You asked: %(reason)s") % {"reason": certificate.revocation_reason}
            )
        )
    if expires_soon(certificate):
        days = days_left(certificate)
        text = (
            _("Expires today")
            if days < 1
            else ngettext("Expires in %(days)d day", "Expires in %(days)d days", days)
            % {"days": days}
        )
        notes.append(StatusNote("expiry", text, "warn"))
    return notes


# What of a certificate's records its timeline shows: its state changes and staff edits,
# and an ACME order's own steps (the order, each challenge's result, its CSR).
ACME_STEPS = ("acme_order", "acme_challenge", "acme_finalize")
TIMELINE = STEPS | models.Q(action__in=ACME_STEPS)


class TimelineEntry(NamedTuple):
    """One line of a certificate's timeline on its details page."""

    at: dt.datetime
    kind: str
    summary: str
    actor: str = ""
    states: str = ""
    reason: str = ""
    link: tuple[str, str] | None = None


def timeline(certificate: Certificate) -> list[TimelineEntry]:
    """What happened to this certificate, oldest first: its purchase (or the renewal
    it started as), every state change and staff edit, and the renewals started from it."""

    def linked(other: Any) -> tuple[str, str] | None:
        if other.status == Status.DELETED:
            return None
        return other.detail_url, _("%(name)s (ID %(id)s)") % {"name": other.name, "id": other.pk}

    owner = certificate.owner.get_username()
    entries = [
        TimelineEntry(certificate.created_at, "purchased", _("Purchased"), owner)
        if certificate.renewal_of is None
        else TimelineEntry(
            certificate.created_at,
            "purchased",
            _("Started as the renewal of"),
            owner,
            link=linked(certificate.renewal_of)
            or (
                "",
                _("%(name)s (ID %(id)s)")
                % {"name": certificate.renewal_of.name, "id": certificate.renewal_of_id},
            ),
        )
    ]
    if certificate.csr_source == CsrSource.ACME:
        entries = []  # the order's own record says who ordered it, and when
    # Its records: every state change and staff edit, and an ACME order's own steps
    # (the order, each challenge's result), each with who did it as the team sees them.
    for record in certificate.records.filter(TIMELINE).order_by("at", "pk"):
        states = (
            ""
            if record.source == record.target
            else f"{record.get_source_display()} → {record.get_target_display()}"
        )
        kind = record.action if record.action in ACME_STEPS else record.target
        entries.append(
            TimelineEntry(
                record.at, kind, record.summary, record.actor_shown, states, record.detail
            )
        )
    for renewal in certificate.renewals.select_related("owner"):
        entries.append(
            TimelineEntry(
                renewal.created_at,
                "renewed",
                _("Renewed: a new application was started,"),
                renewal.owner.get_username(),
                link=linked(renewal)
                or (
                    "",
                    _("%(name)s (ID %(id)s), deleted") % {"name": renewal.name, "id": renewal.pk},
                ),
            )
        )
    return sorted(entries, key=lambda entry: entry.at)


def live_fingerprint(certificate: Certificate) -> str:
    """Changes whenever what the details page shows may have changed: the certificate, a
    domain's check or method, a new timeline entry, call or download."""
    latest = Certificate.objects.filter(pk=certificate.pk).values_list(
        "status",
        "updated_at",
        models.Subquery(
            Record.objects.filter(certificate=certificate.pk).order_by("-pk").values("pk")[:1]
        ),
        models.Subquery(
            ContactAttempt.objects.filter(certificate=certificate.pk)
            .order_by("-pk")
            .values("pk")[:1]
        ),
        models.Subquery(
            Certificate.objects.filter(renewal_of=certificate.pk).order_by("-pk").values("pk")[:1]
        ),
    )
    domains = certificate.domains.values_list(
        "pk", "status", "method", "last_checked_at", "next_check_at", "email_sent_at"
    )
    raw = repr((list(latest), list(domains)))
    return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()


def _shown(function: Callable[[Certificate], Any]) -> cached_property:
    shown = cached_property(lambda self: function(self.certificate))
    shown.__doc__ = function.__doc__
    return shown


class Shown:
    """A certificate as templates show it (`{{ shown.progress }}`): each attribute is the
    function of the same name, worked out when a template first asks and once only (a row
    the list finds in its cache asks nothing)."""

    def __init__(self, certificate: Certificate) -> None:
        self.certificate = certificate

    progress = _shown(progress)
    brand_label = _shown(brand_label)
    domain_type_label = _shown(domain_type_label)
    primary_domain_unicode = _shown(primary_domain_unicode)
    key_description = _shown(key_description)
    expires_on = _shown(expires_on)
    status_notes = _shown(status_notes)
    expected_issue = _shown(expected_issue)

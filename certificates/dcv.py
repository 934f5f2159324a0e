"""Domain control validation as a workflow: check, re-check with backoff, give up at the
deadline, and move the application on when every domain passes (SPEC §5)."""

import contextlib
import datetime as dt
import enum
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from certificates import limits, verification
from certificates.choices import DomainStatus, Method, Status
from certificates.domains import registrable
from certificates.models import (
    Certificate,
    Domain,
    TransitionRefused,
    ValidationEmail,
    new_token,
)

logger = logging.getLogger(__name__)
# A checker holds a domain this long at most; a crashed checker's lease simply expires.
EMAIL_SALT = "scm.dcv-email"


class Outcome(enum.Enum):
    CHECKED = "checked"
    NOT_DUE = "not due yet"
    BUSY = "another checker has it"
    RECENT = "checked moments ago"
    CLOSED = "nothing to check"


class LinkRefused(Exception):
    """An emailed validation link that cannot be used; the message says why."""


def delay_after(checks: int) -> dt.timedelta:
    """Backoff: the first re-check after a minute, then doubling, capped (settings)."""
    seconds = settings.SCM_RECHECK_FIRST_SECONDS * 2 ** min(checks, 20)
    return dt.timedelta(seconds=min(seconds, settings.SCM_RECHECK_MAX_SECONDS))


def deadline(certificate: Certificate) -> dt.datetime:
    start = certificate.submitted_at or certificate.created_at
    return start + dt.timedelta(days=settings.SCM_VERIFICATION_DEADLINE_DAYS)


def restart(certificate: Certificate) -> list[Domain]:
    """Fresh tokens and results for every domain: verification starts from scratch."""
    now = timezone.now()
    domains = list(certificate.domains.all())
    for domain in domains:
        domain.token = new_token()
        domain.status = DomainStatus.PENDING
        domain.checks = 0
        domain.last_checked_at = domain.verified_at = domain.checking_until = None
        domain.last_result = ""
        domain.next_check_at = now + delay_after(0)
        domain.email_nonce = ""
        domain.email_sent_at = None
        if domain.method not in domain.allowed_methods():
            domain.method = Method.DNS
    Domain.objects.bulk_update(
        domains,
        [
            "token",
            "status",
            "checks",
            "last_checked_at",
            "verified_at",
            "checking_until",
            "last_result",
            "next_check_at",
            "email_nonce",
            "email_sent_at",
            "method",
        ],
    )
    return domains


def check_domain(
    domain_pk: int, *, force: bool = False, unless_checked_within: dt.timedelta | None = None
) -> Outcome:
    """Check one pending domain now if it is due (or forced) and nobody else is on it; a
    forced check can ask to skip a domain checked within the last moments ("Verify now"
    pressed in several tabs): that test is part of the claim, so it holds under races."""
    now = timezone.now()
    verifying = Certificate.objects.filter(
        domains=domain_pk, status=Status.PENDING_DOMAIN_VERIFICATION
    )
    if not verifying.exists():
        return Outcome.CLOSED
    pending = Domain.objects.filter(pk=domain_pk, status=DomainStatus.PENDING)
    free = Q(checking_until__isnull=True) | Q(checking_until__lt=now)
    due = Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)
    claim = pending.filter(free) if force else pending.filter(free, due)
    if unless_checked_within is not None:
        since = now - unless_checked_within
        claim = claim.filter(Q(last_checked_at__isnull=True) | Q(last_checked_at__lte=since))
    # The claim is one UPDATE on the domain's own row (no join, which PostgreSQL would run
    # as a subquery and not re-check after waiting for the row lock): of two workers,
    # only one can match the free lease.
    lease = dt.timedelta(seconds=settings.SCM_CHECK_LEASE_SECONDS)
    if not claim.update(checking_until=now + lease):
        if not pending.exists():
            return Outcome.CLOSED
        if pending.exclude(free).exists():
            return Outcome.BUSY
        return Outcome.RECENT if unless_checked_within is not None else Outcome.NOT_DUE
    domain = Domain.objects.select_related("certificate").get(pk=domain_pk)
    try:
        result = _probe(domain)
    except Exception:
        # Whatever went wrong is a failed check like any other: recorded, and tried again
        # on the usual schedule (a check that raised would never be retried).
        logger.exception("The check of domain %s failed unexpectedly", domain_pk)
        result = verification.CheckResult(
            False,
            "The check could not be completed (an error on the CA's side); it is tried again.",
        )
    except BaseException:
        Domain.objects.filter(pk=domain_pk).update(checking_until=None)
        raise
    _record(domain, result, now)
    return Outcome.CHECKED


def _probe(domain: Domain) -> verification.CheckResult:
    if domain.method == Method.DNS:
        return verification.check_txt(domain.txt_name, domain.token)
    if domain.method == Method.FILE:
        return verification.check_file(domain.base_name, domain.token)
    if domain.email_sent_at:
        return verification.CheckResult(
            False, f"Waiting for the link emailed to {domain.email_address} to be used."
        )
    return verification.CheckResult(False, "Choose an address to send the validation email to.")


def _record(domain: Domain, result: verification.CheckResult, now: dt.datetime) -> None:
    # The result, the next due time and the lease's release are one UPDATE: a second
    # checker can never find the domain free but still due.
    fields = {
        "last_checked_at": now,
        "last_result": _fitting(result.message),
        "checks": F("checks") + 1,
        "checking_until": None,
    }
    if result.ok:
        fields.update(status=DomainStatus.VERIFIED, verified_at=now, next_check_at=None)
    else:
        fields["next_check_at"] = now + delay_after(domain.checks + 1)
    recorded = Domain.objects.filter(pk=domain.pk, status=DomainStatus.PENDING).update(**fields)
    if not recorded:  # settled meanwhile (an email link, a staff override): just let go
        Domain.objects.filter(pk=domain.pk).update(checking_until=None)
        return
    certificate = domain.certificate
    if result.ok:
        complete_if_all_verified(certificate)
    elif now >= deadline(certificate):
        _give_up(certificate, domain, result)


def _fitting(message: str) -> str:
    """A result as the last_result column can hold it."""
    limit = Domain._meta.get_field("last_result").max_length
    return message if len(message) <= limit else message[: limit - 1] + "…"


def complete_if_all_verified(certificate: Certificate) -> None:
    if certificate.domains.exclude(status=DomainStatus.VERIFIED).exists():
        return
    # Another checker may complete it first, or the owner withdraw meanwhile: both fine.
    with contextlib.suppress(TransitionRefused):
        certificate.run_transition("verify_domains", by=None)


def _give_up(certificate: Certificate, domain: Domain, result: verification.CheckResult) -> None:
    days = settings.SCM_VERIFICATION_DEADLINE_DAYS
    reason = (
        f"Control of {domain.unicode_name} was not proven within {days} days. "
        f"Last check: {result.message}"
    )
    Domain.objects.filter(pk=domain.pk).update(status=DomainStatus.FAILED, next_check_at=None)
    with contextlib.suppress(TransitionRefused):
        certificate.run_transition("reject", by=None, reason=reason)


def choose_method(
    domain: Domain, method: Method, email_address: str = "", *, base_url: str = ""
) -> None:
    """The owner switches how this domain is proven; email sends the link at once, within
    the limits on validation emails (limits.Limited otherwise, and nothing is sent). The
    link starts with base_url, the address the console is served on (SCM_PUBLIC_URL when
    no request tells)."""
    if method not in domain.allowed_methods():
        raise TransitionRefused(f"{Method(method).label} is not available for {domain.name}.")
    if method == Method.EMAIL and email_address not in domain.email_addresses:
        raise TransitionRefused(
            "Choose one of the addresses offered for the validation email: admin@, "
            "administrator@, webmaster@, hostmaster@ or postmaster@ at "
            f"{domain.base_name} or a parent domain up to {registrable(domain.base_name)}."
        )
    domain.method = method
    domain.last_result = ""
    if method != Method.EMAIL:
        domain.email_nonce = ""  # a link emailed earlier stops working
    with transaction.atomic():
        if method == Method.EMAIL:
            # One account at a time takes from the limits (the owner's row is the lock).
            get_user_model().objects.select_for_update().filter(
                pk=domain.certificate.owner_id
            ).first()
            limits.send_email(domain, email_address)
            _prepare_link(domain, email_address)
            ValidationEmail.objects.create(
                owner_id=domain.certificate.owner_id,
                domain=domain,
                address=email_address,
                sent_at=domain.email_sent_at,
            )
        Domain.objects.filter(pk=domain.pk, status=DomainStatus.PENDING).update(
            method=domain.method,
            last_result="",
            email_address=domain.email_address,
            email_nonce=domain.email_nonce,
            email_sent_at=domain.email_sent_at,
        )
    if method == Method.EMAIL:
        _send_link(domain, base_url or settings.SCM_PUBLIC_URL)


def _prepare_link(domain: Domain, address: str) -> None:
    domain.email_nonce = secrets.token_hex(16)
    domain.email_address = address
    domain.email_sent_at = timezone.now()


@sensitive_variables("token", "link")
def _send_link(domain: Domain, base_url: str) -> None:
    token = signing.dumps({"d": domain.pk, "n": domain.email_nonce}, salt=EMAIL_SALT)
    link = base_url.rstrip("/") + reverse("certificates:verify-email", args=[token])
    days = settings.SCM_EMAIL_LINK_MAX_AGE_DAYS
    organization = domain.certificate.organization
    requester = (
        f"{organization.legal_name} ({organization.country.name}) asked"
        if organization
        else "Someone asked"
    )
    send_mail(
        subject=f"Confirm the certificate request for {domain.unicode_name}",
        message=(
            f"{requester} for an SSL certificate "
            f"({domain.certificate.get_certificate_type_display()}) that includes "
            f"{domain.unicode_name}.\n\n"
            f"If you manage this domain and agree, open this link within {days} days and "
            f"press Confirm:\n\n{link}\n\nIf you did not expect this, ignore this email: "
            "nothing happens without your confirmation.\n"
        ),
        from_email=None,
        recipient_list=[domain.email_address],
    )


@sensitive_variables("token")
def domain_for_link(token: str) -> Domain:
    """The domain an emailed link is for, or LinkRefused saying why it cannot be used."""
    max_age = dt.timedelta(days=settings.SCM_EMAIL_LINK_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=EMAIL_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkRefused(
            "This link has expired. Ask the applicant to send a new validation email."
        ) from None
    except signing.BadSignature:
        raise LinkRefused(
            "This link is not valid: it may have been cut short or changed."
        ) from None
    domain = Domain.objects.select_related("certificate").filter(pk=payload.get("d")).first()
    if domain is None or not domain.email_nonce or domain.email_nonce != payload.get("n"):
        raise LinkRefused("This link was already used, or a newer email replaced it.")
    if domain.method != Method.EMAIL:
        raise LinkRefused("The applicant now proves control of this domain another way.")
    if domain.status != DomainStatus.PENDING:
        raise LinkRefused("This domain needs no confirmation any more.")
    return domain


@sensitive_variables("token")
def confirm_link(token: str) -> Domain:
    """Use an emailed link once: the domain is verified."""
    domain = domain_for_link(token)
    now = timezone.now()
    used = Domain.objects.filter(
        pk=domain.pk, email_nonce=domain.email_nonce, status=DomainStatus.PENDING
    ).update(
        email_nonce="",
        status=DomainStatus.VERIFIED,
        verified_at=now,
        last_checked_at=now,
        last_result=f"Confirmed through the link emailed to {domain.email_address}.",
        next_check_at=None,
    )
    if not used:
        raise LinkRefused("This link was already used.")
    complete_if_all_verified(domain.certificate)
    return domain

"""How an applicant proves a domain: switching between DNS, the file and email, and the
emailed link's life (signed, single use, within the limits on validation emails)."""

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from certificates.choices import CsrSource, DomainStatus, Method
from certificates.domains import registrable
from certificates.exceptions import LinkRefused, MethodRefused
from certificates.models import Domain, Record, ValidationEmail
from certificates.services import limits
from certificates.services.domain_checks import complete_if_all_verified
from teams.models import Team

EMAIL_SALT = "scm.dcv-email"


def choose_method(domain: Domain, method: Method, email_address: str = "", *, by: Any) -> None:
    """A member (`by`) switches how this domain is proven; email sends the link at once, within
    the limits on validation emails (limits.Limited otherwise, and nothing is sent). The
    link starts with SCM_PUBLIC_URL, never the request's Host (which its sender chooses)."""
    if domain.certificate.csr_source == CsrSource.ACME:
        raise MethodRefused(
            _("The ACME client chooses how %(domain)s is proven.") % {"domain": domain.name}
        )
    if method not in domain.allowed_methods():
        raise MethodRefused(
            _("%(method)s is not available for %(domain)s.")
            % {"method": Method(method).label, "domain": domain.name}
        )
    if method == Method.EMAIL and email_address not in domain.email_addresses:
        raise MethodRefused(
            _(
                "Choose one of the addresses offered for the validation email: admin@, "
                "administrator@, webmaster@, hostmaster@ or postmaster@ at %(domain)s or a "
                "parent domain up to %(registrable)s."
            )
            % {"domain": domain.base_name, "registrable": registrable(domain.base_name)}
        )
    domain.method = method
    domain.last_result = ""
    if method != Method.EMAIL:
        domain.email_nonce = ""  # a link emailed earlier stops working
    with transaction.atomic():
        if method == Method.EMAIL:
            # One request of a team at a time takes from the limits (its row is the lock).
            Team.objects.select_for_update().filter(pk=domain.certificate.team_id).first()
            limits.check_email(domain, email_address)
            _prepare_link(domain, email_address)
            ValidationEmail.objects.create(
                team_id=domain.certificate.team_id,
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
        sent = f", link sent to {domain.email_address}" if method == Method.EMAIL else ""
        Record.note(
            domain.certificate,
            "method",
            actor=by,
            detail=f"{domain.name}: {Method(method).label}{sent}",
        )
    if method == Method.EMAIL:
        _send_link(domain, settings.SCM_PUBLIC_URL)


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
    facts = {
        "domain": domain.unicode_name,
        "type": domain.certificate.get_certificate_type_display(),
        "days": days,
        "link": link,
    }
    # In the language of whoever asked for it to be sent (the applicant's page).
    if organization:
        facts["organization"] = f"{organization.legal_name} ({organization.country.name})"
        asked = _(
            "%(organization)s asked for an SSL certificate (%(type)s) that includes %(domain)s."
        )
    else:
        asked = _("Someone asked for an SSL certificate (%(type)s) that includes %(domain)s.")
    send_mail(
        subject=_("Confirm the certificate request for %(domain)s") % facts,
        message=(
            asked % facts
            + "\n\n"
            + _(
                "If you manage this domain and agree, open this link within %(days)d days and "
                "press Confirm:"
            )
            % facts
            + f"\n\n{link}\n\n"
            + _(
                "If you did not expect this, ignore this email: nothing happens without your "
                "confirmation."
            )
            + "\n"
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
            _("This link has expired. Ask the applicant to send a new validation email.")
        ) from None
    except signing.BadSignature:
        raise LinkRefused(
            _("This link is not valid: it may have been cut short or changed.")
        ) from None
    domain = Domain.objects.select_related("certificate").filter(pk=payload.get("d")).first()
    if domain is None or not domain.email_nonce or domain.email_nonce != payload.get("n"):
        raise LinkRefused(_("This link was already used, or a newer email replaced it."))
    if domain.method != Method.EMAIL:
        raise LinkRefused(_("The applicant now proves control of this domain another way."))
    if domain.status != DomainStatus.PENDING:
        raise LinkRefused(_("This domain needs no confirmation any more."))
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
        raise LinkRefused(_("This link was already used."))
    complete_if_all_verified(domain.certificate)
    return domain

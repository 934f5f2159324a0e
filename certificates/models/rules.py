"""When a transition may run: its conditions, each explaining itself when it is not met,
the reason some steps require, and the CAA check before issuance; and the rules the pages
show and the services keep: what may still be edited or renewed, and what the system
issues by itself (as a function of one certificate and as a filter of many)."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.choices import CertificateType, CsrSource, Status
from certificates.dcv.caa import caa_refusal
from certificates.exceptions import (
    CAAForbids,
    CAALookupFailed,
    CAAUnavailable,
    TransitionRefused,
)
from certificates.permissions import ACT, may
from teams.models import Membership

# The states in which an application may be changed, and a certificate renewed.
EDITABLE = frozenset({Status.PENDING_APPLICATION})
RENEWABLE = frozenset({Status.ISSUED, Status.EXPIRED})


def is_editable(certificate: Any) -> bool:
    """An application changes only before it is submitted (or after a withdrawal)."""
    return certificate.status in EDITABLE


def can_renew(certificate: Any) -> bool:
    """Only issued or expired certificates can be renewed; an ACME order by its client."""
    return certificate.status in RENEWABLE and certificate.csr_source != CsrSource.ACME


def issues_by_itself(certificate: Any) -> bool:
    """A DV without manual review is issued by the system the moment its domains pass
    (SCM_AUTO_ISSUE_DV); the others wait for the Issuance staff at 90%."""
    return (
        settings.SCM_AUTO_ISSUE_DV
        and not certificate.product.needs_org_verification
        and not certificate.manual_review
    )


def issues_by_itself_q() -> Q:
    """issues_by_itself() as a filter of certificates (the Issuance queue excludes them);
    read when called, since SCM_AUTO_ISSUE_DV may change (tests)."""
    if not settings.SCM_AUTO_ISSUE_DV:
        return Q(pk__in=[])  # none
    automatic = [kind for kind in CertificateType if not kind.needs_org_verification]
    return Q(certificate_type__in=automatic, manual_review=False)


# When a transition may run. Each condition explains itself when it is not met.


def explains(message: str) -> Callable[[Callable[..., bool]], Callable[..., bool]]:
    def decorate(condition: Callable[..., bool]) -> Callable[..., bool]:
        condition.refusal = message  # type: ignore[attr-defined]
        return condition

    return decorate


@explains(
    gettext_lazy(
        "the application is not complete: it needs the domains, a CSR and, for OV and EV, "
        "the organization and the applicant contact"
    )
)
def is_complete(certificate: Any) -> bool:
    # An ACME order's CSR comes last, when its client finalizes the order (SPEC §11).
    acme = certificate.csr_source == CsrSource.ACME
    if not (certificate.primary_domain and (certificate.csr_pem or acme)):
        return False
    if certificate.product.needs_org_verification:
        return bool(
            certificate.organization_id
            and certificate.applicant_name
            and certificate.applicant_email
            and certificate.applicant_phone
        )
    return True


@explains(gettext_lazy("tick the registry, public phone and address checks first"))
def org_checklist_done(certificate: Any) -> bool:
    return (
        certificate.org_registry_checked
        and certificate.org_phone_checked
        and certificate.org_address_checked
    )


@explains(
    gettext_lazy("the CSR has not arrived: the ACME client sends it when it finalizes the order")
)
def has_csr(certificate: Any) -> bool:
    return bool(certificate.csr_pem)


@explains(
    gettext_lazy("an ACME order that failed stays failed: the ACME client places a new order")
)
def not_acme(certificate: Any) -> bool:
    return certificate.csr_source != CsrSource.ACME


@explains(gettext_lazy("the order was finalized already: its client sent the CSR"))
def awaits_acme_csr(certificate: Any) -> bool:
    return certificate.csr_source == CsrSource.ACME and not certificate.csr_pem


@explains(gettext_lazy("its expiry date has not passed yet"))
def has_expired(certificate: Any) -> bool:
    return certificate.not_after is not None and certificate.not_after <= timezone.now()


def after_domain_verification(certificate: Any, *args: Any, **kwargs: Any) -> Status:
    """DV goes straight to 90%; OV and EV wait for organization verification at 70%."""
    if certificate.product.needs_org_verification:
        return Status.PENDING_ORG_VERIFICATION
    return Status.TO_BE_ISSUED


def required(reason: str, why: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(_("A reason is required %(why)s.") % {"why": why})
    return reason


def member_may_act(certificate: Any, user: Any) -> bool:
    """A FullAccess member or an Administrator of the certificate's team (django-fsm asks
    this of the owner's steps). The role a page already read (`viewer_role`) is asked of
    the database once more: it may have changed since."""
    return may(Membership.objects.role_of(user, certificate.team_id), ACT)


def check_caa(certificate: Any) -> None:
    """Refuse issuance when a CAA record allows other CAs only (RFC 8659); before the
    transaction, since it asks DNS."""
    if not settings.SCM_CHECK_CAA:
        return
    try:
        refusal = caa_refusal(certificate.domain_names)
    except CAALookupFailed as failed:
        raise CAAUnavailable(
            _("%(failed)s Issuance waits until CAA can be checked.") % {"failed": failed}
        ) from None
    if refusal:
        raise CAAForbids(refusal)

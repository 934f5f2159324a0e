"""Verify now (SPEC §5): check a certificate's pending domains at once instead of waiting
for the worker's next re-check, within its rate limit; the console's button and the API's
POST …/verify both come here."""

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from certificates.choices import CsrSource, DomainStatus, Status
from certificates.exceptions import NothingToVerify, VerifyingElsewhere
from certificates.models import Certificate, Domain
from certificates.services import domain_checks, limits
from certificates.services.domain_checks import Outcome


@dataclass(frozen=True)
class Verified:
    handed_over: int  # domains left to the worker (no time left for them in this request)
    done: bool  # every domain verified: the certificate moved on


def verify_now(certificate: Certificate, *, hand_over: Callable[[Domain], None]) -> Verified:
    """Check every pending domain now. NothingToVerify when none is pending, Limited
    within SCM_VERIFY_NOW_SECONDS of the last check, VerifyingElsewhere when another
    request is checking them at this moment (pressed in another tab)."""
    if certificate.csr_source == CsrSource.ACME:
        raise NothingToVerify(
            _(
                "This ACME order's domains are checked when its ACME client asks: nothing to "
                "do here."
            )
        )
    pending = list(certificate.domains.filter(status=DomainStatus.PENDING))
    if certificate.status != Status.PENDING_DOMAIN_VERIFICATION or not pending:
        raise NothingToVerify(_("There is nothing to verify now."))
    limits.check_verify_now(certificate)
    outcomes, handed_over = _check_in_turn(pending, hand_over=hand_over)
    elsewhere = {Outcome.BUSY, Outcome.RECENT}
    if Outcome.CHECKED not in outcomes and elsewhere & set(outcomes):
        raise VerifyingElsewhere(
            _("These domains are being checked right now: see the result below.")
        )
    certificate.refresh_from_db()
    return Verified(handed_over, certificate.status != Status.PENDING_DOMAIN_VERIFICATION)


def _check_in_turn(
    domains: list[Domain], *, hand_over: Callable[[Domain], None]
) -> tuple[list[Outcome], int]:
    """Check these pending domains at once, one after the other, for about one check's time
    limit (SCM_HTTP_TIMEOUT) in all; the ones left when it is spent are handed over (to the
    worker) instead, so a slow web server never holds the request long. Skips a domain
    checked within SCM_VERIFY_NOW_SECONDS (pressed in several tabs). Returns the outcomes
    of the checks made and how many were handed over."""
    recently = dt.timedelta(seconds=settings.SCM_VERIFY_NOW_SECONDS)
    budget_ends = time.monotonic() + settings.SCM_HTTP_TIMEOUT
    outcomes, handed_over = [], 0
    for domain in domains:
        if outcomes and time.monotonic() >= budget_ends:
            hand_over(domain)
            handed_over += 1
        else:
            check = domain_checks.check_domain(
                domain.pk, force=True, unless_checked_within=recently
            )
            outcomes.append(check)
    return outcomes, handed_over

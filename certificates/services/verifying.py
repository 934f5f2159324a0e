"""Verify now (SPEC §5): check a certificate's pending domains at once instead of waiting
for the worker's next re-check, within its rate limit; the console's button and the API's
POST …/verify both come here."""

from collections.abc import Callable
from dataclasses import dataclass

from certificates.choices import CsrSource, DomainStatus, Status
from certificates.dcv import workflow as dcv
from certificates.exceptions import NothingToVerify, VerifyingElsewhere
from certificates.models import Certificate, Domain
from certificates.services import limits


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
            "This ACME order's domains are checked when its ACME client asks: nothing to do here."
        )
    pending = list(certificate.domains.filter(status=DomainStatus.PENDING))
    if certificate.status != Status.PENDING_DOMAIN_VERIFICATION or not pending:
        raise NothingToVerify("There is nothing to verify now.")
    limits.verify_now(certificate)
    outcomes, handed_over = dcv.verify_now(pending, hand_over=hand_over)
    elsewhere = {dcv.Outcome.BUSY, dcv.Outcome.RECENT}
    if dcv.Outcome.CHECKED not in outcomes and elsewhere & set(outcomes):
        raise VerifyingElsewhere("These domains are being checked right now: see the result below.")
    certificate.refresh_from_db()
    return Verified(handed_over, certificate.status != Status.PENDING_DOMAIN_VERIFICATION)

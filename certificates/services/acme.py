"""ACME orders (SPEC §11) as the console's own workflows: orders that are DV certificates of
the team, within the account's hourly limits (limits.py), challenges checked by the
console's DCV, finalize with the CSR rules of §4, and revocation. Protocol plumbing (JWS,
nonces, problem documents) is the entry point's (certificates/acme/); every rule here is
the console's, reused."""

import datetime as dt
from typing import Any

import josepy as jose
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from certificates.ca import csr as csr_tools
from certificates.choices import (
    CertificateType,
    CsrSource,
    DomainStatus,
    DomainType,
    KeyAlgorithm,
    Method,
    RevocationReason,
    Status,
)
from certificates.domains import normalise
from certificates.exceptions import AcmeRefused, CSRError, Limited, TransitionRefused
from certificates.models import AcmeAccount, AcmeOrder, Certificate, Domain, acting_as
from certificates.services import limits
from certificates.services.acme_accounts import record

MAX_IDENTIFIERS = 100
# RFC 5280 reason codes a subscriber may ask for through ACME (the BRs' list, §7.2.2).
REASONS = {
    0: RevocationReason.UNSPECIFIED,
    1: RevocationReason.KEY_COMPROMISE,
    3: RevocationReason.AFFILIATION_CHANGED,
    4: RevocationReason.SUPERSEDED,
    5: RevocationReason.CESSATION_OF_OPERATION,
}


def clean_identifiers(identifiers: Any) -> list[str]:
    """The order's domain names, normalised by the console's rules (SPEC §4), in order."""
    if not isinstance(identifiers, list) or not identifiers:
        raise AcmeRefused("malformed", "An order needs a non-empty list of identifiers.")
    if len(identifiers) > MAX_IDENTIFIERS:
        raise AcmeRefused(
            "rejectedIdentifier", f"An order may name at most {MAX_IDENTIFIERS} identifiers."
        )
    names = []
    for identifier in identifiers:
        if not isinstance(identifier, dict) or not isinstance(identifier.get("value"), str):
            raise AcmeRefused("malformed", "Each identifier needs a type and a value.")
        if identifier.get("type") != "dns":
            raise AcmeRefused(
                "unsupportedIdentifier",
                f"Only dns identifiers are supported, not {str(identifier.get('type'))[:20]!r}.",
            )
        try:
            names.append(normalise(identifier["value"], wildcard_allowed=True))
        except ValidationError as error:
            raise AcmeRefused("rejectedIdentifier", " ".join(error.messages)) from None
    return list(dict.fromkeys(names))


def new_order(account: AcmeAccount, identifiers: Any) -> AcmeOrder:
    """A DV certificate of the account's team for these names, submitted at once: it waits
    at 40% for the challenges (SPEC §11)."""
    names = clean_identifiers(identifiers)
    wildcard = any(name.startswith("*.") for name in names)
    with transaction.atomic():
        # One order of an account at a time takes from its limits (its row is the lock).
        AcmeAccount.objects.select_for_update().filter(pk=account.pk).first()
        try:
            limits.check_acme_order(account)
        except Limited as limited:
            raise AcmeRefused.rate_limited(limited) from None
        certificate = Certificate.objects.create(
            team_id=account.team_id,
            owner=account.owner,
            certificate_type=CertificateType.DV,
            brand=settings.SCM_ACME_BRAND,
            domain_type=DomainType.WILDCARD
            if wildcard
            else (DomainType.SINGLE if len(names) == 1 else DomainType.MULTIPLE),
            additional_domain_slots=len(names) - 1,
            csr_source=CsrSource.ACME,
        )
        certificate.set_domains(names[0], names[1:])
        order = AcmeOrder.objects.create(
            account=account,
            certificate=certificate,
            identifiers=[{"type": "dns", "value": name} for name in names],
            expires_at=timezone.now() + dt.timedelta(days=settings.SCM_ACME_ORDER_DAYS),
        )
        record(account, "acme_order", ", ".join(names), certificate)
        with acting_as(account.label):
            certificate.run_transition("submit", by=account.owner)
    return order


def start_challenge(domain: Domain, method: Method) -> bool:
    """The client is ready: the worker checks its challenge (the client polls; the request
    never waits for the check), through the follow-up of "acme_challenge". False when it
    needs no check (already asked for, passed or failed)."""
    if method not in domain.allowed_methods():
        raise AcmeRefused("malformed", f"{method} cannot prove {domain.name}.")
    with transaction.atomic():
        asked = Domain.objects.filter(
            pk=domain.pk,
            status=DomainStatus.PENDING,
            checks=0,
            next_check_at__isnull=True,
            certificate__status=Status.PENDING_DOMAIN_VERIFICATION,
        ).update(method=method, next_check_at=timezone.now())
        if asked:
            domain.certificate.run_follow_up("acme_challenge", by=None)
    return bool(asked)


def finalize(order: AcmeOrder, csr_der: bytes) -> Certificate:
    """Take the order's CSR (every rule of SPEC §4; exactly the order's names): the
    certificate can be issued (the caller hands it to the worker)."""
    certificate = order.certificate
    if order.status != "ready":
        raise AcmeRefused(
            "orderNotReady",
            f"The order is {order.status}: it can be finalized once every authorization is "
            "valid, and once only.",
        )
    try:
        csr = csr_tools.load_csr(csr_der)
        key = csr_tools.check_csr(csr, certificate.domain_names)
        account_key = jose.JWK.from_json(order.account.jwk).key
        if csr_tools.same_key(csr.public_key(), account_key):
            raise CSRError("The CSR's key is the ACME account's key: use a key of its own.")
        if set(csr_tools.csr_names(csr)) != set(certificate.domain_names):
            missing = ", ".join(
                sorted(set(certificate.domain_names) - set(csr_tools.csr_names(csr)))
            )
            raise CSRError(f"The CSR does not name {missing}, which the order is for.")
    except CSRError as error:
        raise AcmeRefused("badCSR", str(error)) from None
    except Exception:  # noqa: BLE001 - until every CSR parse failure is a CSRError (h6's
        # wrapper in ca/csr.py): a CSR cryptography cannot read is badCSR, never a 500.
        raise AcmeRefused("badCSR", "The CSR cannot be read: send the CSR's DER.") from None
    algorithm = next((k for k in KeyAlgorithm if k.label == key), certificate.key_algorithm)
    try:
        with acting_as(order.account.label):
            certificate.run_transition(
                "acme_finalize",
                by=order.account.owner,
                reason=f"{key} key",
                csr_pem=csr_tools.csr_pem(csr),
                key_algorithm=algorithm,
            )
    except TransitionRefused:
        raise AcmeRefused("orderNotReady", "The order was finalized already.") from None
    return certificate


def revoke(certificate: Certificate, reason: Any, *, account: AcmeAccount | None) -> None:
    """Revoke at once (CRL and OCSP), as asked by the account that ordered it or by whoever
    holds the certificate's key (account None), RFC 8555 §7.6. Any other certificate of the
    team, such as an OV bought in the console, is revoked as the console's request, which
    Revocation staff review: another account of the team is `unauthorized`."""
    if (
        account is not None
        and not AcmeOrder.objects.filter(certificate=certificate, account=account).exists()
    ):
        raise AcmeRefused(
            "unauthorized",
            f"{account.label} did not order this certificate, and an ACME account revokes only "
            "what it ordered: request its revocation on the certificate's page in the console "
            f"({certificate.detail_url}, Request revocation), which the CA's revocation staff "
            "review.",
        )
    if reason is None:
        reason = 0
    if not isinstance(reason, int) or isinstance(reason, bool) or reason not in REASONS:
        raise AcmeRefused(
            "badRevocationReason",
            "The reason must be one of 0 (unspecified), 1 (keyCompromise), 3 "
            "(affiliationChanged), 4 (superseded) or 5 (cessationOfOperation).",
        )
    if certificate.status == Status.REVOKED:
        raise AcmeRefused("alreadyRevoked", "This certificate is revoked already.")
    if certificate.status not in (Status.ISSUED, Status.REVOKING):
        raise AcmeRefused(
            "unauthorized", f"This certificate is “{certificate.get_status_display()}”."
        )
    who = account.label if account else "the holder of the certificate's key"
    text = f"Revoked through ACME by {who}."
    try:
        with transaction.atomic(), acting_as(who):
            if certificate.status == Status.ISSUED:
                certificate.run_transition(
                    "request_revocation",
                    by=account.owner if account else None,
                    reason=text,
                    code=REASONS[reason],
                )
            # Whoever proves the key or the account is the subscriber: the CA revokes now.
            certificate.run_transition("approve_revocation", by=None, reason=text)
    except TransitionRefused as refused:
        if Certificate.objects.filter(pk=certificate.pk, status=Status.REVOKED).exists():
            # A request racing this one revoked it first.
            raise AcmeRefused("alreadyRevoked", "This certificate is revoked already.") from None
        raise AcmeRefused("unauthorized", str(refused)) from None


def orders_of(account: AcmeAccount, after: int = 0, size: int = 100) -> list[int]:
    """The account's order ids, oldest first, `size` after the id `after` (keyset pages)."""
    return list(
        AcmeOrder.objects.filter(Q(account=account) & Q(pk__gt=after))
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )


def close_expired_orders() -> int:
    """Fail the orders whose client never completed them in time (SCM_ACME_ORDER_DAYS): their
    rows would wait at 40% or 90% for ever. How many."""
    stale = Certificate.objects.filter(
        csr_source=CsrSource.ACME,
        status__in=[Status.PENDING_DOMAIN_VERIFICATION, Status.TO_BE_ISSUED],
        csr_pem="",
        acme_order__expires_at__lt=timezone.now(),
    )
    closed = 0
    for certificate in stale.iterator():
        try:
            certificate.run_transition(
                "reject",
                by=None,
                reason=f"The ACME order expired: its client did not complete it within "
                f"{settings.SCM_ACME_ORDER_DAYS} days.",
            )
        except TransitionRefused:
            continue  # moved on meanwhile
        closed += 1
    return closed

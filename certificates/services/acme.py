"""ACME (SPEC §11) as the console's own workflows: EAB keys, accounts, orders that are DV
certificates of the team, challenges checked by the console's DCV, finalize with the CSR
rules of §4, and revocation. Protocol plumbing (JWS, nonces, problem documents) is the
entry point's (certificates/acme/); every rule here is the console's, reused."""

import base64
import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from certificates.ca import csr as csr_tools
from certificates.ca import keystore
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
from certificates.exceptions import AcmeRefused, CSRError, Refused, TransitionRefused
from certificates.models import (
    AcmeAccount,
    AcmeAccountKey,
    AcmeOrder,
    Certificate,
    Domain,
    Record,
    acting_as,
)
from certificates.permissions import MANAGE_ACME, may
from teams.models import Membership, Team

MAX_IDENTIFIERS = 100
MAX_CONTACTS = 5
# RFC 5280 reason codes a subscriber may ask for through ACME (the BRs' list, §7.2.2).
REASONS = {
    0: RevocationReason.UNSPECIFIED,
    1: RevocationReason.KEY_COMPROMISE,
    3: RevocationReason.AFFILIATION_CHANGED,
    4: RevocationReason.SUPERSEDED,
    5: RevocationReason.CESSATION_OF_OPERATION,
}
LAST_USE_EVERY = dt.timedelta(minutes=1)


class AcmeKeyRefused(Refused):
    """An EAB key that was not made or deleted; the message says why."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# External Account Binding keys and accounts


@sensitive_variables("secret")
def create_key(team: Team, *, by: Any) -> tuple[AcmeAccountKey, str]:
    """A new EAB key for the team and its HMAC key (base64url; shown once)."""
    if not may(Membership.objects.role_of(by, team.pk), MANAGE_ACME):
        raise AcmeKeyRefused(
            f"Making ACME keys needs the FullAccess or Administrator role in {team.name}."
        )
    secret = secrets.token_bytes(32)
    with transaction.atomic():
        key = AcmeAccountKey.objects.create(
            team=team,
            created_by=by,
            key_id="kid_" + secrets.token_urlsafe(16),
            hmac_key=keystore.encrypt(secret),
        )
        Record.write(
            team_id=team.pk,
            action="acme_eab_created",
            actor=by,
            detail=f"Key ID {key.key_id}",
        )
    return key, _b64(secret)


def delete_key(key: AcmeAccountKey, *, by: Any) -> None:
    """Delete an EAB key no account was made with: it stops working."""
    with transaction.atomic():
        if not AcmeAccountKey.objects.filter(pk=key.pk, used_at__isnull=True).delete()[0]:
            raise AcmeKeyRefused(
                "An account was made with this key; deactivate the account instead."
            )
        Record.write(
            team_id=key.team_id, action="acme_eab_deleted", actor=by, detail=f"Key ID {key.key_id}"
        )


def hmac_key(key: AcmeAccountKey) -> bytes:
    """The key's HMAC secret, to check a binding with."""
    return keystore.decrypt(key.hmac_key)


def binding_key(key_id: Any) -> AcmeAccountKey:
    """The EAB key by this id if it can still make an account; else `unauthorized`."""
    key = AcmeAccountKey.objects.filter(key_id=key_id).select_related("team").first()
    if key is None or not isinstance(key_id, str):
        raise AcmeRefused("unauthorized", "The External Account Binding key ID is not known.")
    if key.used_at is not None:
        raise AcmeRefused(
            "unauthorized",
            "This External Account Binding key was used already: make a new one on the "
            "team's ACME page.",
        )
    return key


def clean_contact(contact: Any) -> list[str]:
    """The account's contacts: at most five mailto: addresses (RFC 8555 §7.3)."""
    if contact is None:
        return []
    if not isinstance(contact, list) or not all(isinstance(c, str) for c in contact):
        raise AcmeRefused("malformed", "contact must be a list of mailto: URLs.")
    if len(contact) > MAX_CONTACTS:
        raise AcmeRefused("invalidContact", f"At most {MAX_CONTACTS} contacts.")
    cleaned = []
    for url in contact:
        if not url.startswith("mailto:"):
            raise AcmeRefused(
                "unsupportedContact", f"Only mailto: contacts are supported, not {url[:60]!r}."
            )
        address = url.removeprefix("mailto:")
        try:
            if "?" in address or "," in address:
                raise ValidationError("hfields or several addresses")
            validate_email(address)
        except ValidationError:
            raise AcmeRefused(
                "invalidContact", f"{url[:80]!r} is not a single valid email address."
            ) from None
        cleaned.append(url)
    return cleaned


def register(key: AcmeAccountKey, *, jwk: dict, thumbprint: str, contact: list[str]) -> AcmeAccount:
    """The account made with this EAB key (once: the key is used up), in the key's team."""
    with transaction.atomic():
        locked = AcmeAccountKey.objects.select_for_update().get(pk=key.pk)
        if locked.used_at is not None:
            raise AcmeRefused("unauthorized", "This External Account Binding key was used already.")
        if not may(Membership.objects.role_of(locked.created_by, locked.team_id), MANAGE_ACME):
            raise AcmeRefused(
                "unauthorized",
                "The member who made this External Account Binding key can no longer make "
                "ACME accounts in the team.",
            )
        account = AcmeAccount.objects.create(
            team_id=locked.team_id,
            binding=locked,
            jwk=jwk,
            thumbprint=thumbprint,
            contact=contact,
            last_used_at=timezone.now(),
        )
        AcmeAccountKey.objects.filter(pk=locked.pk).update(used_at=timezone.now())
        _record(account, "acme_account_created", f"With key ID {locked.key_id}")
    return account


def _record(account: AcmeAccount, action: str, detail: str, certificate: Any = None) -> None:
    Record.write(
        team_id=account.team_id,
        action=action,
        actor=account.owner,
        actor_name=account.label,
        certificate=certificate,
        detail=detail,
    )


def check_may_act(account: AcmeAccount) -> None:
    """An account acts for the member who made its key, while they may (FullAccess or more
    in the team); `unauthorized` otherwise. Notes its last use (at most once a minute)."""
    if account.status != AcmeAccount.VALID:
        raise AcmeRefused("unauthorized", "This ACME account is deactivated.")
    if not may(Membership.objects.role_of(account.owner, account.team_id), MANAGE_ACME):
        raise AcmeRefused(
            "unauthorized",
            "The member who made this account's key no longer has the FullAccess role in the "
            "team: an Administrator can make a new key.",
        )
    now = timezone.now()
    if account.last_used_at is None or now - account.last_used_at > LAST_USE_EVERY:
        AcmeAccount.objects.filter(pk=account.pk).update(last_used_at=now)


def update_contact(account: AcmeAccount, contact: list[str]) -> None:
    AcmeAccount.objects.filter(pk=account.pk).update(contact=contact)
    account.contact = contact
    _record(account, "acme_account_updated", "Contact: " + (", ".join(contact) or "none"))


def deactivate(account: AcmeAccount, *, by: Any = None) -> None:
    """Deactivate the account for good (RFC 8555 §7.3.6): it can do nothing more. By the
    client itself, or by a member on the team's ACME page."""
    with transaction.atomic():
        if not AcmeAccount.objects.filter(pk=account.pk, status=AcmeAccount.VALID).update(
            status=AcmeAccount.DEACTIVATED, deactivated_at=timezone.now()
        ):
            raise AcmeRefused("unauthorized", "This ACME account is deactivated already.")
        account.status = AcmeAccount.DEACTIVATED
        if by is None:
            _record(account, "acme_account_deactivated", "By its ACME client")
        else:
            Record.write(
                team_id=account.team_id,
                action="acme_account_deactivated",
                actor=by,
                detail=account.label,
            )


def change_key(account: AcmeAccount, *, jwk: dict, thumbprint: str, location: str) -> None:
    """Roll the account over to a new key (RFC 8555 §7.3.5); `conflict` when another account
    has that key (`location` names it)."""
    with transaction.atomic():
        other = AcmeAccount.objects.filter(thumbprint=thumbprint).exclude(pk=account.pk).first()
        if other is not None:
            raise AcmeRefused(
                "conflict", "Another account uses this key.", location=location.format(other.pk)
            )
        AcmeAccount.objects.filter(pk=account.pk).update(jwk=jwk, thumbprint=thumbprint)
        account.jwk, account.thumbprint = jwk, thumbprint
        _record(account, "acme_key_changed", f"New key thumbprint {thumbprint}")


# Orders


def _limit(account: AcmeAccount) -> None:
    """The account's hourly limits: new orders, and challenges that failed for good."""
    since = timezone.now() - dt.timedelta(hours=1)
    orders = AcmeOrder.objects.filter(account=account, created_at__gte=since)
    if orders.count() >= settings.SCM_ACME_ORDERS_PER_HOUR:
        oldest = orders.order_by("created_at").values_list("created_at", flat=True).first()
        raise AcmeRefused(
            "rateLimited",
            f"This account placed {settings.SCM_ACME_ORDERS_PER_HOUR} orders in the last hour, "
            "its limit; try again later.",
            retry_after=_seconds_until(oldest + dt.timedelta(hours=1)),
        )
    failed = Domain.objects.filter(
        certificate__acme_order__account=account,
        status=DomainStatus.FAILED,
        last_checked_at__gte=since,
    )
    if failed.count() >= settings.SCM_ACME_FAILED_VALIDATIONS_PER_HOUR:
        oldest = failed.order_by("last_checked_at").values_list("last_checked_at", flat=True)[0]
        raise AcmeRefused(
            "rateLimited",
            f"{settings.SCM_ACME_FAILED_VALIDATIONS_PER_HOUR} challenges of this account failed "
            "in the last hour, its limit: fix the validation setup, then try again later.",
            retry_after=_seconds_until(oldest + dt.timedelta(hours=1)),
        )


def _seconds_until(moment: dt.datetime) -> int:
    return max(int((moment - timezone.now()).total_seconds()) + 1, 1)


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
        _limit(account)
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
        _record(account, "acme_order", ", ".join(names), certificate)
        with acting_as(account.label):
            certificate.run_transition("submit", by=account.owner)
    return order


def start_challenge(domain: Domain, method: Method) -> bool:
    """The client is ready: check its challenge (the caller hands it to the worker). False
    when it needs no check (already asked for, passed or failed)."""
    if method not in domain.allowed_methods():
        raise AcmeRefused("malformed", f"{method} cannot prove {domain.name}.")
    return bool(
        Domain.objects.filter(
            pk=domain.pk,
            status=DomainStatus.PENDING,
            checks=0,
            next_check_at__isnull=True,
            certificate__status=Status.PENDING_DOMAIN_VERIFICATION,
        ).update(method=method, next_check_at=timezone.now())
    )


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
        if set(csr_tools.csr_names(csr)) != set(certificate.domain_names):
            missing = ", ".join(
                sorted(set(certificate.domain_names) - set(csr_tools.csr_names(csr)))
            )
            raise CSRError(f"The CSR does not name {missing}, which the order is for.")
    except CSRError as error:
        raise AcmeRefused("badCSR", str(error)) from None
    algorithm = next((k for k in KeyAlgorithm if k.label == key), certificate.key_algorithm)
    with transaction.atomic():
        taken = Certificate.objects.filter(
            pk=certificate.pk, status=Status.TO_BE_ISSUED, csr_pem=""
        ).update(csr_pem=csr_tools.csr_pem(csr), key_algorithm=algorithm, updated_at=timezone.now())
        if not taken:
            raise AcmeRefused("orderNotReady", "The order was finalized already.")
        _record(order.account, "acme_finalize", f"{key} key", certificate)
    certificate.refresh_from_db()
    return certificate


def revoke(certificate: Certificate, reason: Any, *, account: AcmeAccount | None) -> None:
    """Revoke at once (CRL and OCSP), as asked by an account of its team or by whoever holds
    the certificate's key (account None)."""
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
        raise AcmeRefused("unauthorized", str(refused)) from None


def orders_of(account: AcmeAccount, after: int = 0, size: int = 100) -> list[int]:
    """The account's order ids, oldest first, `size` after the id `after` (keyset pages)."""
    return list(
        AcmeOrder.objects.filter(Q(account=account) & Q(pk__gt=after))
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )

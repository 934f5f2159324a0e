"""ACME accounts (SPEC §11, RFC 8555 §7.3): the team's External Account Binding keys, the
accounts made with them, what an account may do, its contacts, key roll-over and
deactivation. Each event is in the team's operation records, by the account's name."""

import base64
import datetime as dt
import re
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from certificates.ca import keystore
from certificates.exceptions import AcmeKeyRefused, AcmeRefused
from certificates.models import AcmeAccount, AcmeAccountKey, Record
from certificates.permissions import MANAGE_ACME, may
from teams.models import Membership, Team

MAX_CONTACTS = 5
KEY_ID = re.compile(r"kid_[A-Za-z0-9_-]{1,36}", re.ASCII)  # as create_key() makes them
LAST_USE_EVERY = dt.timedelta(minutes=1)


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
    """The EAB key by this id; `unauthorized` when there is none."""
    # Only what create_key() writes is looked up: anything else (a NUL byte, which
    # PostgreSQL refuses in a query, or a JSON object) is no key id.
    known = isinstance(key_id, str) and KEY_ID.fullmatch(key_id)
    key = (
        AcmeAccountKey.objects.filter(key_id=key_id).select_related("team").first()
        if known
        else None
    )
    if key is None:
        raise AcmeRefused("unauthorized", "The External Account Binding key ID is not known.")
    # Whether it was used is register()'s to say, under the key's lock: a look here would
    # refuse the same newAccount sent twice at once, which gets its account.
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


def register(
    key: AcmeAccountKey, *, jwk: dict, thumbprint: str, contact: list[str]
) -> tuple[AcmeAccount, bool]:
    """The account made with this EAB key (once: the key is used up), in the key's team, and
    whether this call made it: a request racing another with the same account key gets the
    account the other made (the thumbprint's unique index decides, not a look-up)."""
    with transaction.atomic():
        locked = AcmeAccountKey.objects.select_for_update().get(pk=key.pk)
        if locked.used_at is not None:
            made = AcmeAccount.objects.filter(binding=locked, thumbprint=thumbprint).first()
            if made is not None:  # the same newAccount sent twice at once
                return made, False
            raise AcmeRefused(
                "unauthorized",
                "This External Account Binding key was used already: make a new one on the "
                "team's ACME page.",
            )
        if not may(Membership.objects.role_of(locked.created_by, locked.team_id), MANAGE_ACME):
            raise AcmeRefused(
                "unauthorized",
                "The member who made this External Account Binding key can no longer make "
                "ACME accounts in the team.",
            )
        try:
            with transaction.atomic():
                account = AcmeAccount.objects.create(
                    team_id=locked.team_id,
                    binding=locked,
                    jwk=jwk,
                    thumbprint=thumbprint,
                    contact=contact,
                    last_used_at=timezone.now(),
                )
        except IntegrityError:
            # Another request registered this account key meanwhile, with another EAB key:
            # its account is the answer, and this EAB key stays unused.
            return AcmeAccount.objects.get(thumbprint=thumbprint), False
        AcmeAccountKey.objects.filter(pk=locked.pk).update(used_at=timezone.now())
        record(account, "acme_account_created", f"With key ID {locked.key_id}")
    return account, True


def record(account: AcmeAccount, action: str, detail: str, certificate: Any = None) -> None:
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
    record(account, "acme_account_updated", "Contact: " + (", ".join(contact) or "none"))


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
            record(account, "acme_account_deactivated", "By its ACME client")
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
        try:
            with transaction.atomic():
                AcmeAccount.objects.filter(pk=account.pk).update(jwk=jwk, thumbprint=thumbprint)
        except IntegrityError:
            # The thumbprint's unique index decides: a look-up first would miss an account
            # that takes the key while this request runs.
            other = AcmeAccount.objects.filter(thumbprint=thumbprint).first()
            raise AcmeRefused(
                "conflict",
                "Another account uses this key.",
                location=location.format(other.pk) if other else None,
            ) from None
        account.jwk, account.thumbprint = jwk, thumbprint
        record(account, "acme_key_changed", f"New key thumbprint {thumbprint}")

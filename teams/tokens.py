"""API tokens (SPEC §10): made by a member for one team with a role no higher than theirs,
shown once and kept only as a SHA-256; revoked by their creator or an Administrator. A
token acts with the lower of its role and its creator's role now, and not at all once its
creator has left the team. Every token event is in the team's operation records."""

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.exceptions import Refused
from certificates.models import Record
from teams.models import ApiToken, Membership, Team
from teams.roles import Role

PREFIX = "scm_"
# A token's last use is written at most this often: a busy pipeline would otherwise write
# a row on every request.
LAST_USE_EVERY = dt.timedelta(minutes=1)


class TokenRefused(Refused):
    """A token that was not made or revoked; the message says why."""


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(
    team: Team, name: str, role: Role, *, by: Any, expires_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once; only its digest is kept)."""
    name = name.strip()
    if not name:
        raise TokenRefused(_("Give the token a name, such as the pipeline that will use it."))
    mine = Membership.objects.role_of(by, team.pk)
    if mine is None:
        raise TokenRefused(_("You are not a member of %(team)s.") % {"team": team.name})
    role = Role(role)
    if not mine.allows(role):
        raise TokenRefused(
            _(
                "A token's role can be no higher than yours: you are %(role)s in %(team)s, "
                "so choose %(role)s or lower."
            )
            % {"role": mine.label, "team": team.name}
        )
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise TokenRefused(_("A token expires after 1 to 3,650 days, or never."))
    raw = PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            team=team,
            created_by=by,
            name=name,
            role=role,
            digest=digest(raw),
            prefix=raw[:10],
            created_at=now,
            expires_at=now + dt.timedelta(days=expires_days) if expires_days else None,
        )
        Record.write(
            team_id=team.pk,
            actor=by,
            action="token_created",
            detail=f"{token.actor_name} ({role.in_records}"
            + (f", expires {token.expires_at:%Y-%m-%d}" if token.expires_at else ", no expiry")
            + ")",
        )
    return token, raw


def may_manage(token: ApiToken, user: Any) -> bool:
    """Its creator, and the team's Administrators, see and revoke a token."""
    if token.created_by_id == user.pk:
        return True
    return Membership.objects.role_of(user, token.team_id) == Role.ADMINISTRATOR


def revoke_token(token: ApiToken, *, by: Any) -> ApiToken:
    """Revoke a token at once (again: nothing happens)."""
    if not may_manage(token, by):
        raise TokenRefused(_("Only its creator or an Administrator can revoke this token."))
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            Record.write(
                team_id=token.team_id, actor=by, action="token_revoked", detail=token.actor_name
            )
    token.refresh_from_db()
    return token


def authenticate(raw: str) -> tuple[ApiToken, Role] | None:
    """The token this secret is, with the role it acts with now; None for an unknown,
    revoked or expired token, or one whose creator has left its team."""
    if not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("team", "created_by")
        .filter(digest=digest(raw))
        .first()
    )
    if token is None or not token.created_by.is_active:
        return None
    creator = Membership.objects.role_of(token.created_by, token.team_id)
    if creator is None:
        return None
    role = Role(token.role) if creator.allows(token.role) else creator
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USE_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token, role

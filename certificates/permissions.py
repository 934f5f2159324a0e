"""Who may do what, in one place. A team's members act on its certificates as their role
allows (SPEC §9: what each operation needs is below; views, the API and ACME ask here). The
staff's duties are Django permissions held through the groups Validation, Issuance and
Revocation (staff_groups.py); django-fsm asks the functions below with (certificate, user)."""

from typing import Any

from django.utils.translation import gettext as _

from certificates.choices import Status
from teams.roles import Role

# What each operation on a team's certificates needs: seeing and downloading the certificate
# and chain are for every member; changing anything, or a private key, takes FullAccess;
# the team's members are its Administrators' business.
VIEW = "view"
DOWNLOAD = "download"
DOWNLOAD_KEY = "download_key"
ACT = "act"  # buy, apply, save, withdraw, resubmit, rename, delete, verify, renew, revoke
MANAGE_MEMBERS = "manage_members"
MANAGE_ACME = "manage_acme"  # make EAB keys, deactivate ACME accounts (SPEC §11)
NEEDS: dict[str, Role] = {
    VIEW: Role.READ_ONLY,
    DOWNLOAD: Role.READ_ONLY,
    DOWNLOAD_KEY: Role.FULL_ACCESS,
    ACT: Role.FULL_ACCESS,
    MANAGE_MEMBERS: Role.ADMINISTRATOR,
    MANAGE_ACME: Role.FULL_ACCESS,
}


def may(role: str | None, operation: str) -> bool:
    """May a member with this role (None: not a member) do this operation?"""
    return role is not None and Role(role).allows(NEEDS[operation])


def refusal(role: str, operation: str, team: str) -> str:
    """Why a member may not: the role it needs, and theirs (a 403's message)."""
    return _(
        "This needs the %(needed)s role in %(team)s; yours is %(role)s. "
        "Ask an Administrator of %(team)s."
    ) % {"needed": NEEDS[operation].label, "team": team, "role": Role(role).label}


VALIDATE = "certificates.validate_certificate"
ISSUE = "certificates.issue_certificate"
REVOKE = "certificates.revoke_certificate"


def is_validator(certificate: Any, user: Any) -> bool:
    return user.has_perm(VALIDATE)


def is_validator_or_issuer(certificate: Any, user: Any) -> bool:
    return user.has_perm(VALIDATE) or user.has_perm(ISSUE)


def system_only(certificate: Any, user: Any) -> bool:
    return False


# The fields staff may edit on a certificate (the admin's change form), each the duty of
# one group (its permission) and only while it means something (the states).
IN_REVIEW = frozenset(
    {Status.PENDING_DOMAIN_VERIFICATION, Status.PENDING_ORG_VERIFICATION, Status.TO_BE_ISSUED}
)
STAFF_FIELDS: dict[str, tuple[str, frozenset[str]]] = {
    "manual_review": (VALIDATE, IN_REVIEW),
    "org_registry_checked": (VALIDATE, frozenset({Status.PENDING_ORG_VERIFICATION})),
    "org_phone_checked": (VALIDATE, frozenset({Status.PENDING_ORG_VERIFICATION})),
    "org_address_checked": (VALIDATE, frozenset({Status.PENDING_ORG_VERIFICATION})),
}


def may_edit(certificate: Any, name: str, user: Any) -> bool:
    """May this staff member edit this field of the certificate now?"""
    duty = STAFF_FIELDS.get(name)
    return duty is not None and certificate.status in duty[1] and user.has_perm(duty[0])

"""Who may do what. The staff's duties are Django permissions held through the groups
Validation, Issuance and Revocation (staff_groups.py); an applicant acts on their own
certificates. django-fsm asks the functions below with (certificate, user)."""

from typing import Any

from certificates.choices import Status

VALIDATE = "certificates.validate_certificate"
ISSUE = "certificates.issue_certificate"
REVOKE = "certificates.revoke_certificate"


def is_owner(certificate: Any, user: Any) -> bool:
    return user.is_authenticated and certificate.owner_id == user.pk


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

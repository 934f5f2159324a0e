"""The staff groups that split the CA's duties (SPEC §1): validation, issuance, revocation."""

from typing import Any

COMMON = [
    "view_certificate",
    "change_certificate",
    "view_domain",
    "view_contactattempt",  # the calls to the applicant, read-only; Validation adds them
    "view_statechange",  # the transition log
    "view_record",  # the teams' operation records, for the CA's audits
]
STAFF_GROUPS = {
    "Validation": [*COMMON, "validate_certificate"],
    "Issuance": [*COMMON, "issue_certificate"],
    "Revocation": [*COMMON, "revoke_certificate"],
}
# Every staff group sees the sign-in locks (django-axes) and lifts one by deleting its
# attempts: a locked-out customer calls the CA, whoever answers can help.
SIGN_IN_LOCKS = ["view_accessattempt", "delete_accessattempt"]


def ensure_staff_groups(apps: Any) -> None:
    """Create the groups with their permissions; safe to run again.

    Takes an app registry so the data migration can pass its historical one.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in STAFF_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="certificates", codename__in=codenames
            ),
            *Permission.objects.filter(content_type__app_label="axes", codename__in=SIGN_IN_LOCKS),
        )

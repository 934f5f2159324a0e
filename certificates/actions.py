"""Every step a certificate can take, once: its button label, what the timeline says when
it is done, and for the owner's steps their URL slug and the question their confirmation
page asks. The transitions (models/lifecycle.py), the console, the admin and the
timelines all read this one registry."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

# What a step checks before its transaction opens (it asks DNS): run_transition() calls it.
CHECK_CAA = "certificates.models.rules.check_caa"
# The admin's form for a step that asks first.
REASON_FORM = "certificates.forms.ReasonForm"
CONFIRM_REVOCATION_FORM = "certificates.forms.ConfirmRevocationForm"


@dataclass(frozen=True)
class Action:
    name: str  # the transition's method on Certificate
    label: str  # its button
    done: str  # the timeline's words once it happened
    owner: bool = False  # the owner's step, in the console (else the CA's, in the admin)
    slug: str = ""  # the owner's confirmation page: /certificates/<id>/<slug>/
    question: str = ""  # what that page asks
    reason_required: bool = False
    reason_codes: bool = False  # an RFC 5280 reason code too (revocation)
    dangerous: bool = False  # cannot be undone: its button says so by its look
    admin_form: str = ""  # the admin asks this form first (a reason, a confirmation)
    system_only: bool = False  # no button anywhere: the system (or an ACME client) takes it
    prepare: str = ""  # what run_transition() calls first, outside the transaction (a path)
    client: bool = False  # the team's ACME client takes it: recorded as the team's step

    @property
    def by_team(self) -> bool:
        """Taken by the team (in the console, through the API or by their ACME client), so
        its record names who; else by the CA."""
        return self.owner or self.client

    @property
    def fsm_custom(self) -> dict[str, Any]:
        """What django-fsm keeps with the transition: its label, its admin form, and whether
        the admin offers it at all."""
        custom: dict[str, Any] = {"label": self.label, "action": self.name}
        if self.admin_form:
            custom["form"] = self.admin_form
        if self.owner or self.system_only:
            custom["admin"] = False
        return custom


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [
        Action(
            "submit",
            _("Submit"),
            _("Application submitted"),
            owner=True,
            slug="submit",
            question=_("Send this application to the CA for verification?"),
        ),
        Action(
            "verify_domains",
            _("Mark domains verified"),
            _("Domain ownership verified"),
            admin_form=REASON_FORM,
        ),
        Action("verify_organization", _("Organization verified"), _("Organization verified")),
        Action("issue", _("Issue"), _("Certificate issued"), prepare=CHECK_CAA),
        Action("reject", _("Reject"), _("Application rejected"), admin_form=REASON_FORM),
        Action(
            "withdraw",
            _("Withdraw"),
            _("Withdrawal requested"),
            owner=True,
            slug="withdraw",
            question=_(
                "Withdraw this application? The CA stops verifying it and it returns to "
                "“Pending application”; verification starts again from scratch."
            ),
        ),
        Action("complete_withdrawal", _("Complete withdrawal"), _("Application withdrawn")),
        Action(
            "edit",
            _("Apply again"),
            _("Reopened for editing"),
            owner=True,
            slug="edit",
            question=_("Reopen this failed application so you can fix it?"),
        ),
        Action(
            "request_revocation",
            _("Request revocation"),
            _("Revocation requested"),
            owner=True,
            slug="revoke",
            question=_(
                "Ask the CA to revoke this certificate? Once revoked it cannot be used again."
            ),
            reason_required=True,
            reason_codes=True,
            dangerous=True,
        ),
        Action(
            "approve_revocation",
            _("Approve revocation"),
            _("Certificate revoked"),
            admin_form=CONFIRM_REVOCATION_FORM,
        ),
        Action(
            "deny_revocation", _("Deny revocation"), _("Revocation denied"), admin_form=REASON_FORM
        ),
        Action("expire", _("Expire"), _("Certificate expired"), system_only=True),
        # The team's ACME client finalizes its order with the CSR (services/acme.py reads it).
        Action(
            "acme_finalize",
            _("Send the CSR"),
            _("CSR sent through ACME"),
            system_only=True,
            client=True,
        ),
        Action(
            "discard",
            _("Delete"),
            _("Deleted"),
            owner=True,
            slug="delete",
            question=_("Delete this certificate from your team's list? Its history is kept."),
        ),
    ]
}
OWNER_ACTIONS: dict[str, Action] = {a.slug: a for a in ACTIONS.values() if a.owner}

# A staff member's edit of the checklist or the review flag: logged like a transition, under
# this name, but no transition (Certificate.staff_edit).
STAFF_EDIT = "staff_edit"
STAFF_EDIT_DONE = _("Checks updated")


def done_wording(name: str) -> str:
    """What the timeline says for a log entry of this name."""
    if name == STAFF_EDIT:
        return STAFF_EDIT_DONE
    return ACTIONS[name].done


# What the operation records say for each kind of thing done (models/records.py): every
# step above, and what changes a team's certificates or members besides the steps.
OTHER_RECORDS = {
    "buy": _("Bought"),
    "apply_saved": _("Application saved"),
    "rename": _("Renamed"),
    "renew": _("Renewal started"),
    "method": _("Verification method changed"),
    "download": _("Downloaded"),
    STAFF_EDIT: _("Checks updated by the CA"),
    "member_added": _("Member added"),
    "role_changed": _("Role changed"),
    "member_removed": _("Member removed"),
    "invitation_sent": _("Invitation sent"),
    "invitation_accepted": _("Invitation accepted"),
    "invitation_declined": _("Invitation declined"),
    "invitation_revoked": _("Invitation revoked"),
    "token_created": _("API token created"),
    "token_revoked": _("API token revoked"),
    "export": _("Exported"),
    "acme_eab_created": _("ACME key created"),
    "acme_eab_deleted": _("ACME key deleted"),
    "acme_account_created": _("ACME account registered"),
    "acme_account_updated": _("ACME account updated"),
    "acme_key_changed": _("ACME account key changed"),
    "acme_account_deactivated": _("ACME account deactivated"),
    "acme_order": _("Ordered through ACME"),
    "acme_challenge": _("ACME challenge checked"),
}


def record_label(action: str) -> str:
    """The words for a kind of record."""
    if action in ACTIONS:
        return ACTIONS[action].done
    return OTHER_RECORDS.get(action, action)


def record_choices() -> list[tuple[str, str]]:
    """Every kind of record with its words, in the reader's language's alphabetical order
    (the records' and the admin's filters)."""
    return sorted(
        [(name, str(action.done)) for name, action in ACTIONS.items()]
        + [(name, str(label)) for name, label in OTHER_RECORDS.items()],
        key=lambda choice: choice[1],
    )

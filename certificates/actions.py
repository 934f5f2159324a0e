"""Every step a certificate can take, once: its button label, what the timeline says when
it is done, and for the owner's steps their URL slug and the question their confirmation
page asks. The transitions (models/lifecycle.py), the console, the admin and the
timelines all read this one registry."""

from dataclasses import dataclass
from typing import Any

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
            "Submit",
            "Application submitted",
            owner=True,
            slug="submit",
            question="Send this application to the CA for verification?",
        ),
        Action(
            "verify_domains",
            "Mark domains verified",
            "Domain ownership verified",
            admin_form=REASON_FORM,
        ),
        Action("verify_organization", "Organization verified", "Organization verified"),
        Action("issue", "Issue", "Certificate issued", prepare=CHECK_CAA),
        Action("reject", "Reject", "Application rejected", admin_form=REASON_FORM),
        Action(
            "withdraw",
            "Withdraw",
            "Withdrawal requested",
            owner=True,
            slug="withdraw",
            question="Withdraw this application? The CA stops verifying it and it returns to "
            "“Pending application”; verification starts again from scratch.",
        ),
        Action("complete_withdrawal", "Complete withdrawal", "Application withdrawn"),
        Action(
            "edit",
            "Apply again",
            "Reopened for editing",
            owner=True,
            slug="edit",
            question="Reopen this failed application so you can fix it?",
        ),
        Action(
            "request_revocation",
            "Request revocation",
            "Revocation requested",
            owner=True,
            slug="revoke",
            question="Ask the CA to revoke this certificate? Once revoked it cannot be used again.",
            reason_required=True,
            reason_codes=True,
            dangerous=True,
        ),
        Action(
            "approve_revocation",
            "Approve revocation",
            "Certificate revoked",
            admin_form=CONFIRM_REVOCATION_FORM,
        ),
        Action("deny_revocation", "Deny revocation", "Revocation denied", admin_form=REASON_FORM),
        Action("expire", "Expire", "Certificate expired", system_only=True),
        # The team's ACME client finalizes its order with the CSR (services/acme.py reads it).
        Action(
            "acme_finalize",
            "Send the CSR",
            "CSR sent through ACME",
            system_only=True,
            client=True,
        ),
        Action(
            "discard",
            "Delete",
            "Deleted",
            owner=True,
            slug="delete",
            question="Delete this certificate from your team's list? Its history is kept.",
        ),
    ]
}
OWNER_ACTIONS: dict[str, Action] = {a.slug: a for a in ACTIONS.values() if a.owner}

# A staff member's edit of the checklist or the review flag: logged like a transition, under
# this name, but no transition (Certificate.staff_edit).
STAFF_EDIT = "staff_edit"
STAFF_EDIT_DONE = "Checks updated"


def done_wording(name: str) -> str:
    """What the timeline says for a log entry of this name."""
    if name == STAFF_EDIT:
        return STAFF_EDIT_DONE
    return ACTIONS[name].done


# What the operation records say for each kind of thing done (models/records.py): every
# step above, and what changes a team's certificates or members besides the steps.
OTHER_RECORDS = {
    "buy": "Bought",
    "apply_saved": "Application saved",
    "rename": "Renamed",
    "renew": "Renewal started",
    "method": "Verification method changed",
    "download": "Downloaded",
    STAFF_EDIT: "Checks updated by the CA",
    "member_added": "Member added",
    "role_changed": "Role changed",
    "member_removed": "Member removed",
    "invitation_sent": "Invitation sent",
    "invitation_accepted": "Invitation accepted",
    "invitation_declined": "Invitation declined",
    "invitation_revoked": "Invitation revoked",
    "token_created": "API token created",
    "token_revoked": "API token revoked",
    "export": "Exported",
    "acme_eab_created": "ACME key created",
    "acme_eab_deleted": "ACME key deleted",
    "acme_account_created": "ACME account registered",
    "acme_account_updated": "ACME account updated",
    "acme_key_changed": "ACME account key changed",
    "acme_account_deactivated": "ACME account deactivated",
    "acme_order": "Ordered through ACME",
    "acme_challenge": "ACME challenge checked",
}


def record_label(action: str) -> str:
    """The words for a kind of record."""
    if action in ACTIONS:
        return ACTIONS[action].done
    return OTHER_RECORDS.get(action, action)


RECORD_CHOICES = sorted(
    [(name, action.done) for name, action in ACTIONS.items()] + list(OTHER_RECORDS.items()),
    key=lambda choice: choice[1],
)

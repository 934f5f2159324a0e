"""A certificate's life (SPEC §3): its state, one method per transition with its permission
and conditions, and run_transition(), the one path of every state change, which reads in
one screen: it checks the state, the conditions and the permission, runs the action's
`prepare` (actions.py: the CAA check before issuance) outside the transaction, then in one
transaction applies the transition, saves the state, writes the certificate's Record (the
only log, records.py) and hands the certificate to the follow-up named for the transition
(certificates/workflow.py FOLLOW_UPS), which queues its tasks in that transaction. A
refused, stale or racing transition changes nothing and raises TransitionRefused with the
reason. Each transition's label and wording come from the one registry (actions.py)."""

from typing import Any

from django.db import models, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_fsm import (
    GET_STATE,
    ConcurrentTransition,
    ConcurrentTransitionMixin,
    FSMField,
    can_proceed,
    has_transition_perm,
    transition,
)

from certificates.actions import ACTIONS, OWNER_ACTIONS, Action
from certificates.choices import RevocationReason, Status
from certificates.exceptions import TransitionRefused, UnknownAction
from certificates.models.authority import Revocation
from certificates.models.organization import Organization
from certificates.models.records import Record
from certificates.models.rules import (
    after_domain_verification,
    awaits_acme_csr,
    has_csr,
    has_expired,
    is_complete,
    member_may_act,
    not_acme,
    org_checklist_done,
    required,
)
from certificates.permissions import (
    ISSUE,
    REVOKE,
    is_validator,
    is_validator_or_issuer,
    system_only,
)
from certificates.validity import validity_period

# What follows a transition is the follow-ups' (certificates/workflow.py FOLLOW_UPS, one
# entry per transition); named by its path because models import nothing above them.
FOLLOW_UP = "certificates.workflow.follow_up"

# For code outside the core only (the demo's simulated CA), sent inside the transaction of
# every applied transition after its follow-up: certificate, source, name, by. The sender is
# Certificate whichever proxy (a staff queue) ran the transition; receivers need not ask.
# The core's own follow-ups are in FOLLOW_UPS, never receivers of this.
state_entered = Signal()


class Lifecycle(ConcurrentTransitionMixin, models.Model):
    """The state machine of Certificate (models/certificate.py), which holds the facts the
    transitions record."""

    status = FSMField(
        max_length=40, choices=Status.choices, default=Status.PENDING_APPLICATION, protected=True
    )

    class Meta:
        abstract = True

    def refresh_from_db(
        self, using: str | None = None, fields: Any = None, from_queryset: Any = None
    ) -> None:
        # django-fsm reloads a protected field by switching the field's class-wide
        # `protected` flag off and on again, which races between threads (the live server,
        # threaded workers). Copy the row's values in instead: no descriptor is involved.
        if fields is not None and "status" not in fields:
            models.Model.refresh_from_db(self, using, fields, from_queryset)
            return
        queryset = from_queryset or type(self)._base_manager.db_manager(using)
        fresh = queryset.get(pk=self.pk)
        for field in self._meta.concrete_fields:
            if fields is None or field.name in fields or field.attname in fields:
                self.__dict__[field.attname] = fresh.__dict__[field.attname]
                if field.is_relation and field.is_cached(self):
                    field.delete_cached_value(self)
        self._state.db = fresh._state.db
        self._update_initial_state()

    @property
    def state_fields(self) -> tuple[FSMField, ...]:
        # ConcurrentTransitionMixin looks for its state fields among all ~50 fields each
        # time a row becomes a model (a page of 20 rows: a thousand checks); there is one.
        return (self._meta.get_field("status"),)

    # Transitions (SPEC §3). Each changes state and records facts; run_transition() saves.

    @transition(
        field="status",
        source=Status.PENDING_APPLICATION,
        target=Status.PENDING_DOMAIN_VERIFICATION,
        conditions=[is_complete],
        permission=member_may_act,
        custom=ACTIONS["submit"].fsm_custom,
    )
    def submit(self, by: Any = None, reason: str = "") -> None:
        """Send the completed application to the CA; domain verification starts."""
        self.submitted_at = timezone.now()

    @transition(
        field="status",
        source=Status.PENDING_DOMAIN_VERIFICATION,
        target=GET_STATE(
            after_domain_verification,
            states=[Status.PENDING_ORG_VERIFICATION, Status.TO_BE_ISSUED],
        ),
        permission=is_validator,
        custom=ACTIONS["verify_domains"].fsm_custom,
    )
    def verify_domains(self, by: Any = None, reason: str = "") -> None:
        """Every domain passed; staff may override the checker, with a reason."""
        if by is not None:
            required(reason, "to mark domains verified by hand")
        self.domains_verified_at = timezone.now()

    @transition(
        field="status",
        source=Status.PENDING_ORG_VERIFICATION,
        target=Status.TO_BE_ISSUED,
        conditions=[org_checklist_done],
        permission=is_validator,
        custom=ACTIONS["verify_organization"].fsm_custom,
    )
    def verify_organization(self, by: Any = None, reason: str = "") -> None:
        """The CA confirmed the organization (registry, phone call, address)."""
        self.org_verified_at = timezone.now()
        if self.organization_id:
            # Remembered for 13 months: the applicant's next application reuses it.
            Organization.objects.filter(pk=self.organization_id).update(
                verified_at=self.org_verified_at
            )

    @transition(
        field="status",
        source=Status.TO_BE_ISSUED,
        target=Status.ISSUED,
        conditions=[has_csr],
        permission=ISSUE,
        custom=ACTIONS["issue"].fsm_custom,
    )
    def issue(self, by: Any = None, reason: str = "") -> None:
        """Sign the certificate, with the longest validity allowed today, in this transaction."""
        self.issued_at = timezone.now()
        self.not_before, self.not_after = validity_period(self.issued_at, is_test=self.is_test)
        self.sign()  # type: ignore[attr-defined] (Certificate.sign)

    @transition(
        field="status",
        source=[
            Status.PENDING_DOMAIN_VERIFICATION,
            Status.PENDING_ORG_VERIFICATION,
            Status.TO_BE_ISSUED,
        ],
        target=Status.APPLICATION_FAILED,
        permission=is_validator_or_issuer,
        custom=ACTIONS["reject"].fsm_custom,
    )
    def reject(self, by: Any = None, reason: str = "") -> None:
        """Refuse the application; the reason is shown to the applicant."""
        self.failure_reason = required(reason, "to reject an application")
        self.failed_at = timezone.now()

    @transition(
        field="status",
        source=[Status.PENDING_DOMAIN_VERIFICATION, Status.PENDING_ORG_VERIFICATION],
        target=Status.WITHDRAWING,
        permission=member_may_act,
        custom=ACTIONS["withdraw"].fsm_custom,
    )
    def withdraw(self, by: Any = None, reason: str = "") -> None:
        """The owner asks the CA to stop verifying this application."""
        self.withdrawal_requested_at = timezone.now()

    @transition(
        field="status",
        source=Status.WITHDRAWING,
        target=Status.PENDING_APPLICATION,
        permission=is_validator,
        custom=ACTIONS["complete_withdrawal"].fsm_custom,
    )
    def complete_withdrawal(self, by: Any = None, reason: str = "") -> None:
        """The CA stopped verifying; verification will restart from scratch."""
        self.submitted_at = self.domains_verified_at = self.org_verified_at = None
        self.withdrawal_requested_at = None

    @transition(
        field="status",
        source=Status.APPLICATION_FAILED,
        target=Status.PENDING_APPLICATION,
        conditions=[not_acme],
        permission=member_may_act,
        custom=ACTIONS["edit"].fsm_custom,
    )
    def edit(self, by: Any = None, reason: str = "") -> None:
        """Reopen a failed application; the failure stays in the timeline."""
        self.failure_reason = ""
        self.failed_at = self.submitted_at = self.domains_verified_at = None
        self.org_verified_at = None

    @transition(
        field="status",
        source=Status.ISSUED,
        target=Status.REVOKING,
        permission=member_may_act,
        custom=ACTIONS["request_revocation"].fsm_custom,
    )
    def request_revocation(
        self, by: Any = None, reason: str = "", code: str = RevocationReason.UNSPECIFIED
    ) -> None:
        """The owner asks the CA to revoke, with an RFC 5280 reason; the CA reviews it."""
        self.revocation_reason = required(reason, "to revoke a certificate")
        self.revocation_reason_code = RevocationReason(code)
        self.revocation_requested_at = timezone.now()

    @transition(
        field="status",
        source=Status.REVOKING,
        target=Status.REVOKED,
        permission=REVOKE,
        custom=ACTIONS["approve_revocation"].fsm_custom,
    )
    def approve_revocation(self, by: Any = None, reason: str = "") -> None:
        """The CA revokes the certificate; the CRL and OCSP read the Revocation record,
        which stays whatever becomes of this row."""
        self.revoked_at = timezone.now()
        if self.issuer_id:  # signed by this CA: publish it
            Revocation.record(self)

    @transition(
        field="status",
        source=Status.REVOKING,
        target=Status.ISSUED,
        permission=REVOKE,
        custom=ACTIONS["deny_revocation"].fsm_custom,
    )
    def deny_revocation(self, by: Any = None, reason: str = "") -> None:
        """The CA keeps the certificate valid; the reason is shown to the owner."""
        required(reason, "to deny a revocation")
        self.revocation_reason = ""
        self.revocation_requested_at = None

    @transition(
        field="status",
        source=Status.ISSUED,
        target=Status.EXPIRED,
        conditions=[has_expired],
        permission=system_only,
        custom=ACTIONS["expire"].fsm_custom,
    )
    def expire(self, by: Any = None, reason: str = "") -> None:
        """not_after has passed."""
        self.expired_at = timezone.now()

    @transition(
        field="status",
        source=[
            Status.PENDING_APPLICATION,
            Status.APPLICATION_FAILED,
            Status.REVOKED,
            Status.EXPIRED,
        ],
        target=Status.DELETED,
        permission=member_may_act,
        custom=ACTIONS["discard"].fsm_custom,
    )
    def discard(self, by: Any = None, reason: str = "") -> None:
        """Hide the certificate from the owner's list; the record and its log stay."""
        self.deleted_at = timezone.now()

    @transition(
        field="status",
        source=Status.TO_BE_ISSUED,
        target=Status.TO_BE_ISSUED,
        conditions=[awaits_acme_csr],
        permission=member_may_act,
        custom=ACTIONS["acme_finalize"].fsm_custom,
    )
    def acme_finalize(
        self, by: Any = None, reason: str = "", csr_pem: str = "", key_algorithm: str = ""
    ) -> None:
        """The team's ACME client sends the order's CSR (checked by services/acme.py), once:
        the state stays, so the CSR's empty field decides a race, not the state."""
        taken = (
            type(self)
            .objects.filter(pk=self.pk, status=Status.TO_BE_ISSUED, csr_pem="")
            .update(csr_pem=csr_pem)
        )
        if not taken:
            raise TransitionRefused(_("The order was finalized already."))
        self.csr_pem, self.key_algorithm = csr_pem, key_algorithm or self.key_algorithm

    # Running transitions

    @staticmethod
    def action(name: str) -> Action:
        """The step by this name (its label and wording), or UnknownAction."""
        if name not in ACTIONS:
            raise UnknownAction(f"There is no “{name}” action.")
        return ACTIONS[name]

    def refusal(self, name: str) -> str | None:
        """Why the step by this name cannot be taken now (the state, an unmet condition),
        in the user's words; None when it can."""
        label = self.action(name).label
        method = getattr(self, name)
        if not can_proceed(method, check_conditions=False):
            facts = {"step": label, "state": self.get_status_display()}
            return _("“%(step)s” is not possible: the certificate is “%(state)s”.") % facts
        if not can_proceed(method):
            conditions = method._django_fsm.transitions[self.status].conditions
            unmet = [condition.refusal for condition in conditions if not condition(self)]
            unmet = _("; ").join(str(condition) for condition in unmet)
            return _("“%(step)s” is not possible yet: %(unmet)s.") % {"step": label, "unmet": unmet}
        return None

    def owner_actions(self) -> list[Action]:
        """The owner's steps the state and conditions allow now, in the registry's order."""
        open_now = {
            t.name
            for t in self.get_available_status_transitions()  # type: ignore[attr-defined]
        }
        return [action for action in OWNER_ACTIONS.values() if action.name in open_now]

    def owner_refusal(self, name: str) -> str | None:
        """Why this owner's step is closed now, as the console and the API say it; or None."""
        if (action := self.action(name)) in self.owner_actions():
            return None
        why = self.refusal(name) or _("“%(step)s” is not possible now.") % {"step": action.label}
        return _("%(why)s Nothing was changed.") % {"why": why}

    def run_transition(self, name: str, *, by: Any, **kwargs: Any) -> None:
        """Apply a transition as `by` (None for the system) and save, or change nothing.

        Raises TransitionRefused with a message for the user when the state, the user's
        permission or a concurrent change forbids it.
        """
        if refused := self.refusal(name):
            raise TransitionRefused(refused)
        method = getattr(self, name)
        if by is not None and not has_transition_perm(method, by):
            raise TransitionRefused(
                _("You are not allowed to “%(step)s” this certificate.")
                % {"step": self.action(name).label}
            )
        if prepare := self.action(name).prepare:
            import_string(prepare)(self)  # network checks happen before the transaction opens
        source = self.status
        try:
            with transaction.atomic():
                method(by=by, **kwargs)
                self.save()
                Record.of_step(
                    self,
                    name,
                    by=by,
                    source=source,
                    target=self.status,
                    reason=(kwargs.get("reason") or "").strip(),
                ).save()
                # Follow-up work (checks, automatic issuance, the CRL) is done and queued
                # in the same transaction: it happens if and only if the change does.
                self.run_follow_up(name, by)
                state_entered.send(
                    self._meta.concrete_model, certificate=self, source=source, name=name, by=by
                )
        except ConcurrentTransition:
            self.refresh_from_db()
            raise TransitionRefused(
                _(
                    "Someone else changed this certificate first; it is now “%(state)s”. "
                    "Nothing was changed."
                )
                % {"state": self.get_status_display()}
            ) from None
        except Exception:
            # Nothing was saved: forget what the attempt changed in memory too.
            self.refresh_from_db()
            raise

    def run_follow_up(self, name: str, by: Any) -> None:
        """Hand the certificate to the follow-up named `name` (workflow.FOLLOW_UPS), in the
        caller's transaction: after a transition, or after a service's step that changes no
        state (an ACME client asking for its challenge to be checked)."""
        import_string(FOLLOW_UP)(self, name, by)

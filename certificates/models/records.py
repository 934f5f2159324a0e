"""Operation records (SPEC §9): everything that changed a team's certificates or its members,
who did it and when, in one append-only table the team reads at /records/ and exports."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from certificates.actions import ACTIONS, record_label
from certificates.choices import Status
from certificates.templatetags.console import when

CA = "the CA"  # staff and the system, as a team sees them (one name for the CA)
# Who a member's actions are recorded as while a credential of theirs acts for them (an API
# token: "API token deploy-bot"); set by the API for the length of a request.
_acting_as: ContextVar[str] = ContextVar("scm_acting_as", default="")


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    """Record what the member does meanwhile as done by `name`."""
    reset = _acting_as.set(name)
    try:
        yield
    finally:
        _acting_as.reset(reset)


class Record(models.Model):
    """One thing done: never changed or deleted by the console (nor the admin)."""

    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="records")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the CA (staff or the system) did it.",
    )
    # Who, as the record shows it: a member's username, "the CA", later "API token <name>".
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=40)
    certificate = models.ForeignKey(
        "Certificate", on_delete=models.SET_NULL, null=True, blank=True, related_name="records"
    )
    # The certificate as it was named then (kept if the row goes, as in a demo reset).
    certificate_label = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=40, choices=Status.choices, blank=True)
    target = models.CharField(max_length=40, choices=Status.choices, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        verbose_name = "operation record"
        ordering = ["-at", "-id"]
        # Newest first, for the whole team or one member, action or certificate (and, for
        # the admin, of all teams).
        indexes = [
            models.Index(fields=["-at", "-id"], name="record_at"),
            models.Index(fields=["team", "-at", "-id"], name="record_team"),
            models.Index(fields=["team", "actor_name", "-at", "-id"], name="record_actor"),
            models.Index(fields=["team", "action", "-at", "-id"], name="record_action"),
            models.Index(fields=["team", "certificate", "-at", "-id"], name="record_certificate"),
            models.Index(fields=["action", "-at", "-id"], name="record_all_action"),
        ]

    def __str__(self) -> str:
        return f"{when(self.at)} {self.actor_name}: {self.label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Operation records are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Operation records are never deleted.")

    @property
    def label(self) -> str:
        return record_label(self.action)

    @classmethod
    def of_step(cls, entry: Any) -> "Record":
        """The record of a state change (a TransitionLog entry, not yet saved): the member
        who took an owner's step, or the CA for everything else (which staff member is the
        CA's business, kept in the transition log)."""
        action = ACTIONS.get(entry.transition)
        by_member = action is not None and action.owner and entry.actor is not None
        return cls.of_certificate(
            entry.certificate,
            entry.transition,
            actor=entry.actor if by_member else None,
            source=entry.source,
            target=entry.target,
            detail=entry.reason,
            at=entry.at,
        )

    @classmethod
    def build(
        cls,
        *,
        team_id: int,
        action: str,
        actor: Any = None,
        actor_name: str = "",
        certificate: Any = None,
        source: str = "",
        target: str = "",
        detail: str = "",
        at: Any = None,
    ) -> "Record":
        """A record, not yet saved (for bulk_create). `actor` is the member who did it;
        without one, the CA did."""
        return cls(
            team_id=team_id,
            at=at or timezone.now(),
            actor=actor,
            actor_name=actor_name
            or (_acting_as.get() or actor.get_username() if actor is not None else CA),
            action=action,
            certificate=certificate,
            certificate_label=f"{certificate.name} (ID {certificate.pk})" if certificate else "",
            source=source,
            target=target,
            detail=detail,
        )

    @classmethod
    def of_certificate(
        cls, certificate: Any, action: str, *, actor: Any = None, detail: str = "", **facts: Any
    ) -> "Record":
        """A record of something done to `certificate`, in its team's records, not yet
        saved (for bulk_create); `actor` is the member who did it, None for the CA."""
        return cls.build(
            team_id=certificate.team_id,
            action=action,
            actor=actor,
            certificate=certificate,
            detail=detail,
            **facts,
        )

    @classmethod
    def note(
        cls, certificate: Any, action: str, *, actor: Any = None, detail: str = "", **facts: Any
    ) -> "Record":
        """Record something done to `certificate`, in the transaction that did it."""
        record = cls.of_certificate(certificate, action, actor=actor, detail=detail, **facts)
        record.save()
        return record

    @classmethod
    def write(cls, **facts: Any) -> "Record":
        """Record one thing done, in the transaction that did it (see build())."""
        record = cls.build(**facts)
        record.save()
        return record

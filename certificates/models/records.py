"""Operation records (SPEC §9): everything that changed a team's certificates or its members,
who did it and when, in one append-only table, the only log: the team reads it at /records/
and exports it, a certificate's timeline is its records, the staff's transition log
(StateChange) is its records of state changes, and the download limit counts its
downloads."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext

from certificates.actions import ACTIONS, STAFF_EDIT, done_wording, record_label
from certificates.choices import Server, Status
from certificates.templatetags.console import when

CA = "the CA"  # staff and the system, as a team sees them (one name for the CA)


def shown_actor(actor_name: str) -> str:
    """A record's actor name as pages show it: "the CA" in the reader's language."""
    return gettext("the CA") if actor_name == CA else actor_name


# The records of a bundle downloaded (the certificate's page) or exported (the API): the
# hourly download limit counts them.
DOWNLOADS = ("download", "export")
# A state change (a transition, a staff edit of the checks): a record with states.
# "Reached a state", written as a range ('' sorts first) rather than NOT (target = ''): the
# same rows, but a range the target index and the partial index both serve; the database's
# NOT made the transition log's count walk every download's index entry first (1.76x slower
# at 1M rows than at 1k in `make bench`).
STEPS = models.Q(target__gt="")
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
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who did it (a member or a staff member); empty for the system, or once "
        "the user is deleted.",
    )
    # Who, as the team sees it: a member's username, "the CA" (staff and the system alike),
    # "API token <name>", an ACME account.
    actor_name = models.CharField(max_length=150)
    # Who, as the CA's audit needs it: the acting user's username, kept after the user is
    # deleted; empty for the system.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40)
    certificate = models.ForeignKey(
        "Certificate", on_delete=models.SET_NULL, null=True, blank=True, related_name="records"
    )
    # The certificate as it was named then (kept if the row goes, as in a demo reset).
    certificate_label = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=40, choices=Status.choices, blank=True)
    target = models.CharField(max_length=40, choices=Status.choices, blank=True)
    detail = models.TextField(blank=True)
    # A download's (or export's) facts: the bundle's server type, and whether it held the
    # private key; empty for every other record.
    server = models.CharField(max_length=10, choices=Server.choices, blank=True)
    with_key = models.BooleanField(null=True, blank=True)

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
            # The staff's transition log (StateChange), newest first: all of it, by step
            # (record_all_action) or by state reached; the overview's failures.
            models.Index(fields=["-at", "-id"], name="record_state_change", condition=STEPS),
            models.Index(fields=["target", "-at", "-id"], name="record_target"),
            # A certificate's timeline, oldest first; a user's downloads in the last hour.
            models.Index(fields=["certificate", "at"], name="record_certificate_at"),
            models.Index(fields=["actor", "action", "at"], name="record_actor_action"),
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

    @property
    def actor_shown(self) -> str:
        """Who acted as the team reads it, in the reader's language: a member's username, or
        "the CA" (stored in English, as the records' filter and CSV name it)."""
        return shown_actor(self.actor_name)

    @property
    def summary(self) -> str:
        """What the timeline and the transition log say for a state change."""
        if self.action in ACTIONS or self.action == STAFF_EDIT:
            return done_wording(self.action)
        return self.label

    @property
    def who(self) -> str:
        """Who acted, for the CA's audit: the user (kept after they are deleted), or the
        system."""
        return self.actor_username or "the system"

    @classmethod
    def of_step(
        cls, certificate: Any, name: str, *, by: Any, source: str, target: str, reason: str = ""
    ) -> "Record":
        """The record of a state change (a transition, a staff edit), not yet saved: the
        team sees the member who took their step (or the credential acting for them), and
        the CA for everything else; which staff member is kept for the CA's audit."""
        action = ACTIONS.get(name)
        by_team = action is not None and action.by_team and by is not None
        return cls.of_certificate(
            certificate,
            name,
            actor=by,
            actor_name="" if by_team else CA,
            source=source,
            target=target,
            detail=reason,
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
        server: str = "",
        with_key: bool | None = None,
    ) -> "Record":
        """A record, not yet saved (for bulk_create). `actor` is the user who did it, shown
        to the team by name unless `actor_name` says otherwise (the CA); without one, the
        CA did."""
        return cls(
            team_id=team_id,
            at=at or timezone.now(),
            actor=actor,
            actor_name=actor_name
            or (_acting_as.get() or actor.get_username() if actor is not None else CA),
            actor_username=actor.get_username() if actor is not None else "",
            action=action,
            certificate=certificate,
            certificate_label=f"{certificate.name} (ID {certificate.pk})" if certificate else "",
            source=source,
            target=target,
            detail=detail,
            server=server,
            with_key=with_key,
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


class StateChanges(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(STEPS)


class StateChange(Record):
    """The staff's transition log: the records of state changes (every transition and staff
    edit of the checks), read-only in the admin like every record."""

    objects = StateChanges()

    class Meta:
        proxy = True
        verbose_name = "transition log entry"
        verbose_name_plural = "transition log"
        ordering = ["at", "id"]  # a certificate's, oldest first; the admin lists newest first

    def __str__(self) -> str:
        # The admin's title for the entry: the step and the states in words, not codes.
        return (
            f"{self.summary} at {when(self.at)}: "
            f"{self.get_source_display()} → {self.get_target_display()}"
        )

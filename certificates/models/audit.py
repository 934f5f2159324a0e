"""What happened, kept for audit: every state change and staff edit (TransitionLog), the
CA's phone calls (ContactAttempt) and every bundle downloaded (DownloadRecord)."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from certificates.actions import ACTIONS, done_wording
from certificates.choices import CallOutcome, Server, Status
from certificates.templatetags.console import when


class TransitionLog(models.Model):
    """One state change: immutable, written in the transaction that changed the state."""

    certificate = models.ForeignKey("Certificate", on_delete=models.PROTECT, related_name="log")
    transition = models.CharField(max_length=40)
    source = models.CharField(max_length=40, choices=Status.choices)
    target = models.CharField(max_length=40, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text="Empty when the system made the change.",
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        verbose_name = "transition log entry"
        verbose_name_plural = "transition log"
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["certificate", "at"], name="log_certificate_at"),
            # The admin's log, newest first: all of it, or by step or by state reached.
            models.Index(fields=["-at", "-id"], name="log_at"),
            models.Index(fields=["transition", "-at", "-id"], name="log_transition_at"),
            models.Index(fields=["target", "-at", "-id"], name="log_target_at"),
        ]

    def __str__(self) -> str:
        # The admin's title for the entry: the step and the states in words, not codes.
        return (
            f"{self.summary} at {when(self.at)}: "
            f"{self.get_source_display()} → {self.get_target_display()}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Transition log entries are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Transition log entries are kept for audit.")

    @property
    def summary(self) -> str:
        return done_wording(self.transition)

    @property
    def actor_display(self) -> str:
        """Who acted, as the team sees it: the member who took an owner's step, or the CA
        (not which staff member; the CA's automatic checks and issuance are the CA too)."""
        action = ACTIONS.get(self.transition)
        if self.actor_id is not None and action is not None and action.owner:
            return self.actor.get_username()
        return "the CA"


class ContactAttempt(models.Model):
    """A phone call the CA made while verifying the organization (SPEC §4, issue 4)."""

    certificate = models.ForeignKey(
        "Certificate", on_delete=models.CASCADE, related_name="contact_attempts"
    )
    at = models.DateTimeField(default=timezone.now)
    number = PhoneNumberField("number dialled")
    outcome = models.CharField(max_length=20, choices=CallOutcome.choices)
    notes = models.TextField(blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.number} at {when(self.at)}: {self.get_outcome_display()}"

    @property
    def advice(self) -> str:
        """What the applicant should do after this call."""
        if self.outcome == CallOutcome.REACHED:
            return "thank you"
        if self.outcome == CallOutcome.NO_ANSWER:
            return "make sure you can be reached"
        return "check the phone number on the application"


class DownloadRecord(models.Model):
    """Who downloaded which bundle, when: shown in the certificate's timeline."""

    certificate = models.ForeignKey(
        "Certificate", on_delete=models.CASCADE, related_name="downloads"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    server = models.CharField(max_length=10, choices=Server.choices)
    with_key = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["user", "at"], name="download_user_at")]  # limits

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.server} at {when(self.at)}"

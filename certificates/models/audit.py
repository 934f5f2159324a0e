"""The CA's phone calls while verifying an organization (ContactAttempt). Every state
change, staff edit and download is an operation record (records.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from certificates.choices import CallOutcome
from certificates.templatetags.console import when


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

"""A team's organization (OV/EV), verified by the CA and reused for 13 months."""

from django.db import models
from django.utils import timezone
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField


class Organization(models.Model):
    """An applicant's organization (OV/EV), saved so it can be picked again."""

    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="organizations")
    legal_name = models.CharField(max_length=200)
    country = CountryField()
    state = models.CharField("state/province", max_length=100)
    city = models.CharField(max_length=100)
    address = models.CharField(max_length=300)
    registration_number = models.CharField(max_length=64)
    phone = PhoneNumberField(
        "public phone number", help_text="A number listed publicly for the organization."
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["legal_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "country", "registration_number"], name="org_unique_per_team"
            )
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.country.code} {self.registration_number})"

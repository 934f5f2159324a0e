"""Counts the overview pages read instead of counting certificates (certificates/figures.py):
kept by triggers on the certificate table (migration 0024), in the transaction of whatever
changed a row — a transition, a purchase, a bulk load, a delete — so no writer can forget
them and a page never counts a team's hundred thousand rows."""

from django.db import models

from certificates.choices import CertificateType, Status


class StateCount(models.Model):
    """How many of a team's certificates are in a state (deleted ones too: pages skip it)."""

    team = models.ForeignKey(
        "teams.Team", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    status = models.CharField(max_length=40, choices=Status.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "status"], name="state_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.status}: {self.count}"


class IssuanceMonth(models.Model):
    """A team's certificates of a type issued in a month (UTC) whose time from submission
    to issue fell in a bucket of certificates/figures.py (UNKNOWN when not submitted)."""

    team = models.ForeignKey(
        "teams.Team", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    month = models.DateField()
    certificate_type = models.CharField(max_length=10, choices=CertificateType.choices)
    bucket = models.SmallIntegerField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "month", "certificate_type", "bucket"],
                name="issuance_month_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.team_id} {self.month:%Y-%m} {self.certificate_type}: {self.count}"


class IssuanceDay(models.Model):
    """Certificates of a type the CA issued on a day (UTC), all teams: the staff overview."""

    day = models.DateField()
    certificate_type = models.CharField(max_length=10, choices=CertificateType.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "certificate_type"], name="issuance_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.certificate_type}: {self.count}"

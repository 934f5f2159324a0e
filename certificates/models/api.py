"""What the REST API keeps so that every web process agrees (SPEC §10): the answers to
requests sent with an Idempotency-Key, and each token's requests per minute."""

from django.db import models
from django.utils import timezone


class IdempotentRequest(models.Model):
    """The first answer to a POST sent with an Idempotency-Key; a retry gets it again."""

    token = models.ForeignKey("teams.ApiToken", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    # sha256 of the method, path and body: the same key for another request is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0, help_text="0 while in progress.")
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotent_request_unique")
        ]

    def __str__(self) -> str:
        return f"Idempotency-Key {self.key}"


class ApiUsage(models.Model):
    """How many requests a token made in one minute (the API's rate limit)."""

    token = models.ForeignKey("teams.ApiToken", on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "minute"], name="api_usage_unique")]

    def __str__(self) -> str:
        return f"{self.count} requests at {self.minute:%H:%M}"

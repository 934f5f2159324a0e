"""Teams (SPEC §9): certificates belong to a team, and each member has one role, the
console's equivalent of SCM's IAM policies."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from teams.roles import Role


class TeamQuerySet(models.QuerySet):
    def of(self, user: Any) -> "TeamQuerySet":
        """The teams this user (a user or their id) is a member of, by name."""
        return self.filter(memberships__user=user).order_by("name", "pk")


class Team(models.Model):
    """A company's (or a person's) account: its certificates, organizations and members."""

    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def role_of(self, user: Any, team_id: int) -> Role | None:
        """The user's role in the team, or None for a stranger (or nobody signed in)."""
        if not getattr(user, "is_authenticated", False):
            return None
        role = self.filter(team_id=team_id, user=user).values_list("role", flat=True).first()
        return Role(role) if role else None


class Membership(models.Model):
    """A user in a team, with one role."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.READ_ONLY)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["team", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique"),
        ]
        indexes = [models.Index(fields=["user", "team"], name="membership_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.get_role_display()})"

    @property
    def level(self) -> Role:
        return Role(self.role)

"""Teams (SPEC §9): certificates belong to a team, and each member has one role, the
console's equivalent of SCM's IAM policies."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from teams.roles import Role


class TeamQuerySet(models.QuerySet):
    def of(self, user: Any) -> "TeamQuerySet":
        """The teams this user (a user or their id) is a member of, by name."""
        return self.filter(memberships__user=user).order_by("name", "pk")


class Team(models.Model):
    """A company's (or a person's) account: its certificates, organizations and members."""

    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
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

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.READ_ONLY)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
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


class InvitationQuerySet(models.QuerySet):
    def addressed_to(self, user: Any) -> "InvitationQuerySet":
        """The invitations waiting for this user: those typed with their username, in any
        letter case (one read of the invitation_username index)."""
        key = user.get_username().lower()
        return self.alias(key=Lower("username")).filter(key=key).order_by("created_at", "pk")


class Invitation(models.Model):
    """An Administrator's offer of a role in their team to whoever has this username (as it
    was typed: the team's page never says whether such a user exists). They become a member
    only by accepting it on their own page; declined, revoked or accepted, it is deleted and
    the operation records keep what happened."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("team")
    )
    username = models.CharField(_("username"), max_length=150)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.READ_ONLY)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["team", "created_at", "pk"]
        constraints = [
            # One pending invitation per team and username, whatever the letter case: the
            # constraint, not a look-up, decides two Administrators inviting at once.
            models.UniqueConstraint(models.F("team"), Lower("username"), name="invitation_unique"),
        ]
        indexes = [models.Index(Lower("username"), name="invitation_username")]

    def __str__(self) -> str:
        return f"{self.username} invited to {self.team} ({self.get_role_display()})"

    @property
    def level(self) -> Role:
        return Role(self.role)


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> "ApiTokenQuerySet":
        """Tokens that may still be used: not revoked, not expired."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A credential for the REST API (SPEC §10): it acts in one team with a role no higher
    than its creator's, and only while its creator is still a member (with the lower of the
    two roles). Only its SHA-256 is kept: the token itself is shown once, when made."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("team")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("created by"),
    )
    name = models.CharField(_("name"), max_length=60)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.READ_ONLY)
    # sha256 of the whole token: tokens are 256 random bits, so a fast hash is enough (as
    # for GitHub's and PyPI's tokens) and a lookup is one index read.
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    prefix = models.CharField(
        _("prefix"), max_length=12, help_text=_("The token's first characters, to tell it.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-created_at"], name="apitoken_team")]

    def __str__(self) -> str:
        return f"API token {self.name}"

    @property
    def actor_name(self) -> str:
        """Who the operation records say acted, for what this token did."""
        return f"API token {self.name}"[:150]

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"


class Profile(models.Model):
    """What a user chose for themselves, kept across sessions and devices: the language the
    console speaks to them (and their emails use). Made the first time they choose."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    # Each language is named in its own words (settings.LANGUAGES): never translated.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"{self.user}'s profile"

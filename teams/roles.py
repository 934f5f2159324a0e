"""The roles a member of a team may have (SPEC §9), and what each allows. Pure: no ORM."""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a member may do; each role may do everything the roles below it may."""

    ADMINISTRATOR = "administrator", _("Administrator")
    FULL_ACCESS = "full_access", _("FullAccess")
    READ_ONLY = "read_only", _("ReadOnly")

    @property
    def rank(self) -> int:
        return RANKS[self]

    def allows(self, needed: "Role") -> bool:
        """Does this role include what `needed` may do?"""
        return self.rank >= Role(needed).rank

    @property
    def explained(self) -> str:
        return EXPLAINED[self]

    @property
    def in_records(self) -> str:
        """The role's name as the operation records keep it: in English, like every record's
        detail, whatever language the member who acted reads the console in."""
        with translation.override("en"):
            return str(self.label)


RANKS = {Role.READ_ONLY: 1, Role.FULL_ACCESS: 2, Role.ADMINISTRATOR: 3}
EXPLAINED = {
    Role.ADMINISTRATOR: _("everything FullAccess may, and manages members and their roles"),
    Role.FULL_ACCESS: _("buys, applies, verifies, renews, revokes and downloads keys"),
    Role.READ_ONLY: _("sees the list, details, timelines and records; downloads no key"),
}

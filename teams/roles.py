"""The roles a member of a team may have (SPEC §9), and what each allows. Pure: no ORM."""

from django.db import models


class Role(models.TextChoices):
    """What a member may do; each role may do everything the roles below it may."""

    ADMINISTRATOR = "administrator", "Administrator"
    FULL_ACCESS = "full_access", "FullAccess"
    READ_ONLY = "read_only", "ReadOnly"

    @property
    def rank(self) -> int:
        return RANKS[self]

    def allows(self, needed: "Role") -> bool:
        """Does this role include what `needed` may do?"""
        return self.rank >= Role(needed).rank

    @property
    def explained(self) -> str:
        return EXPLAINED[self]


RANKS = {Role.READ_ONLY: 1, Role.FULL_ACCESS: 2, Role.ADMINISTRATOR: 3}
EXPLAINED = {
    Role.ADMINISTRATOR: "everything FullAccess may, and manages members and their roles",
    Role.FULL_ACCESS: "buys, applies, verifies, renews, revokes and downloads keys",
    Role.READ_ONLY: "sees the list, details, timelines and records; downloads no key",
}

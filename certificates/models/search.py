"""The list's search keys (certificates/prefixes.py says what a key is): rows that make a
search one index range, whatever the size of the table."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import models, transaction

from certificates import prefixes
from certificates.models.domain import Domain


class SearchKey(models.Model):
    """A start of a certificate's name, or of one of its domains, or of a word or label in
    them: what the list's search matches (certificates/prefixes.py). Rewritten whenever the
    name or the domains change."""

    team = models.ForeignKey(
        "teams.Team", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    certificate = models.ForeignKey(
        "Certificate", on_delete=models.CASCADE, related_name="search_keys", db_index=False
    )
    # Collated "C" on PostgreSQL (migration 0009), so that keys compare byte by byte.
    key = models.CharField(max_length=prefixes.MAX_KEY_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certificate", "key"], name="search_key_unique")
        ]
        indexes = [
            models.Index(fields=["team", "key", "certificate"], name="search_team_key"),
            models.Index(fields=["key", "certificate"], name="search_key"),  # staff, all teams
        ]

    def __str__(self) -> str:
        return self.key

    @classmethod
    def rewrite(
        cls,
        certificates: Sequence[Any],
        *,
        domains: dict[int, list[str]] | None = None,
        fresh: bool = False,
    ) -> None:
        """Replace the keys of these certificates. `domains` (certificate id → names) saves
        reading them; `fresh` certificates have no keys yet."""
        ids = [c.pk for c in certificates]
        if domains is None:
            domains = defaultdict(list)
            for certificate_id, name in Domain.objects.filter(certificate__in=ids).values_list(
                "certificate_id", "name"
            ):
                domains[certificate_id].append(name)
        with transaction.atomic():
            if not fresh:
                cls.objects.filter(certificate__in=ids).delete()
            cls.objects.bulk_create(
                cls(team_id=c.team_id, certificate_id=c.pk, key=key)
                for c in certificates
                for key in prefixes.keys_for(c.name, [c.primary_domain, *domains.get(c.pk, [])])
            )

    @classmethod
    def matching(cls, term: str, team: Any = None) -> models.QuerySet:
        """The ids of the certificates (of this team, or of everyone) a term finds."""
        keys = cls.objects.filter(**prefixes.key_range(term))
        if team is not None:
            keys = keys.filter(team=team)
        return keys.values("certificate_id")

    @classmethod
    def count_matching(cls, term: str, team: Any, *, leaving_out: Any, limit: int) -> int:
        """How many of the team's certificates a term finds, counted no further than
        limit + 1 from the keys alone (one index range, no certificate row read), leaving
        out the ids of `leaving_out` (a subquery: the team's deleted certificates)."""
        keys = cls.matching(term, team).exclude(certificate_id__in=leaving_out)
        return keys.distinct()[: limit + 1].count()

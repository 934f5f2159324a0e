import datetime as dt
import re

from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from certificates import ids
from certificates.choices import Status
from certificates.models.search import SearchKey
from teams.models import Membership

# Status sorts in workflow order (as declared in Status), not alphabetically; certificates
# without an end date sort after all others by expiry. Both are stored as generated
# columns (models/certificate.py) so that every sort has an index.
WORKFLOW_ORDER = Case(
    *(When(status=s, then=Value(i)) for i, s in enumerate(Status)),
    output_field=models.PositiveSmallIntegerField(),
)
NO_EXPIRY = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)
# [0-9], not \d, which takes any script's digits ("١٢" is no ID 12).
_ID = re.compile(r"^\s*(?:id\s*)?([0-9]+)\s*$", re.IGNORECASE | re.ASCII)  # "1234", "ID 1234"

# Each sort of the list: (field, descending) pairs, ending with the primary key so the order
# is total (pagination.LIST_KEYSETS pages through them).
SORTS: dict[str, list[tuple[str, bool]]] = {
    "created": [("id", True)],
    "updated": [("updated_at", True), ("id", True)],
    "expiry": [("expiry_key", False), ("id", True)],
    "status": [("status_rank", False), ("id", True)],
}


def id_in(text: str) -> int | None:
    """The certificate ID a search term names ("1234", "ID 1234"), if it names one."""
    number = _ID.match(text)
    return ids.number(number.group(1)) if number else None


# What a row of a list shows, the console's and the API's, and the keys of every sort
# (pagination reads them for its cursors). A field missing here costs a query per row,
# which the lists' query-count tests catch.
ROW_FIELDS = (
    "name",
    "certificate_type",
    "domain_type",
    "brand",
    "is_test",
    "primary_domain",
    "domain_count",
    "status",
    "csr_source",
    "not_after",
    "updated_at",
    "status_rank",
    "expiry_key",
)
# The console's list also reads what the conditions of the transitions open to a row read
# (is_complete, org_checklist_done, has_expired, not_acme in models/rules.py) for its
# buttons, and the dates it shows; not the issued certificate, the kept key or the
# technical contacts (kilobytes a row, and fields to convert).
LIST_FIELDS = (
    *ROW_FIELDS,
    "manual_review",
    "failure_reason",
    "revocation_reason",
    "domains_verified_at",
    "csr_pem",
    "organization_id",
    "applicant_name",
    "applicant_email",
    "applicant_phone",
    "org_registry_checked",
    "org_phone_checked",
    "org_address_checked",
    "created_at",
)


class CertificateQuerySet(models.QuerySet):
    def of_team(self, team_id: int, user_id: int) -> "CertificateQuerySet":
        """A team's certificates, not deleted, as one of its members sees them: none at all
        unless `user_id` is a member, checked inside the same query (an uncorrelated EXISTS
        the database evaluates once)."""
        member = Membership.objects.filter(team_id=team_id, user_id=user_id)
        return self.filter(~Q(status=Status.DELETED), team_id=team_id).filter(Exists(member))

    def with_role(self, team_id: int, user_id: int) -> "CertificateQuerySet":
        """Each row with `viewer_role`, the role of `user_id` in the team (evaluated once)."""
        # Unordered: the membership's default order would join the team and the user.
        member = Membership.objects.filter(team_id=team_id, user_id=user_id).order_by()
        return self.annotate(viewer_role=Subquery(member.values("role")[:1]))

    def visible_to(self, user) -> "CertificateQuerySet":
        """The certificates of every team the user is a member of, not deleted, each with
        `viewer_role`, the user's role in its team (one query, for a certificate's pages)."""
        role = Membership.objects.filter(team=OuterRef("team"), user_id=user.pk).order_by()
        return (
            self.filter(~Q(status=Status.DELETED))
            .annotate(viewer_role=Subquery(role.values("role")[:1]))
            .filter(viewer_role__isnull=False)
        )

    def expiring(self, within: dt.timedelta) -> "CertificateQuerySet":
        now = timezone.now()
        return self.filter(status=Status.ISSUED, not_after__gt=now, not_after__lte=now + within)

    def search(self, text: str, *, team=None) -> "CertificateQuerySet":
        """By the start of the name, of any domain, or of any word or label in them
        (certificates/prefixes.py); pass the team to search only its keys."""
        if not text.strip():
            return self
        found = Q(pk__in=SearchKey.matching(text, team))
        if (number := id_in(text)) is not None:
            found |= Q(pk=number)  # the ID the list shows beside the name
        return self.filter(found)

    def for_list(self) -> "CertificateQuerySet":
        """The columns the console list's rows read (LIST_FIELDS)."""
        return self.only(*LIST_FIELDS)

    def for_rows(self, *also: str) -> "CertificateQuerySet":
        """The columns a list's row shows (ROW_FIELDS), and `also` these."""
        return self.only(*ROW_FIELDS, *also)

"""The API's list (SPEC §10): SCM's `limit`, `offset`, `sort_key`, `sort_dir`, `status` and
`search`, read with the console's keyset sorts and search. `offset` is capped (a deep OFFSET
reads every row before it); `cursor`, returned as next_cursor, walks any depth at the cost
of the first page. The count is bounded like the console's."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.request import Request

from certificates import pagination
from certificates.api import fields as strict
from certificates.api.serializers import SCM_STATUS, STATUS_OF_CODE
from certificates.ca import csr as csr_tools
from certificates.choices import CsrSource, KeyAlgorithm
from certificates.models import Certificate, Domain

# What an API row shows besides a list's row (models/querysets.ROW_FIELDS): not the console
# list's contacts and checklist (which its buttons need), nor the certificate itself.
ALSO = ("key_algorithm", "not_before")

# SCM's sort keys, as the console's sorts and the direction each reads naturally (a
# sort_dir the other way reads the same index backwards).
SORT_KEYS = {
    "certExpiredTime": ("expiry", "ASC"),
    "certStatus": ("status", "ASC"),
    "certUpdateTime": ("updated", "DESC"),
}
DEFAULT = ("created", "DESC")
# Each sort both ways: (sort, backwards) → its keyset (the same cursors either way).
ORDERS = {
    (sort, backwards): keyset.reversed() if backwards else keyset
    for sort, keyset in pagination.LIST_KEYSETS.items()
    for backwards in (False, True)
}


MAX_OFFSET = {"limit": f"{settings.SCM_API_MAX_OFFSET:,}"}


class Query(serializers.Serializer):
    limit = strict.QueryIntegerField(min_value=1, max_value=50, default=10)
    offset = strict.QueryIntegerField(
        min_value=0,
        max_value=settings.SCM_API_MAX_OFFSET,
        default=0,
        help_text=strict.interpolated(
            _("Rows to skip, up to %(limit)s; walk further with cursor."), MAX_OFFSET
        ),
        error_messages={
            "max_value": strict.interpolated(
                _(
                    "offset goes up to %(limit)s: walk further with cursor (each answer's "
                    "next_cursor)."
                ),
                MAX_OFFSET,
            )
        },
    )
    # An empty value means the default, as a script that builds `?status=` expects.
    sort_key = strict.ChoiceField(
        choices=["", *SORT_KEYS], required=False, allow_blank=True, help_text=_("Default: newest.")
    )
    sort_dir = strict.ChoiceField(choices=["", "ASC", "DESC"], required=False, allow_blank=True)
    status = strict.ChoiceField(
        choices=["", "ALL", *SCM_STATUS.values()], required=False, allow_blank=True
    )
    search = strict.CharField(
        max_length=253, required=False, allow_blank=True, help_text=_("As the console's search.")
    )
    cursor = strict.CharField(
        max_length=500, required=False, allow_blank=True, help_text=_("A next_cursor of an answer.")
    )


PARAMETERS = [Query]  # drf-spectacular documents each field as a query parameter


@dataclass(frozen=True)
class Found:
    rows: list
    total: int
    capped: bool
    next_cursor: str | None


def page(request: Request, certificates) -> Found:
    """One page of the team's certificates as the query asks."""
    asked = Query(data=request.query_params)
    asked.is_valid(raise_exception=True)
    query = asked.validated_data
    sort, natural = SORT_KEYS.get(query.get("sort_key", ""), DEFAULT)
    backwards = (query.get("sort_dir") or natural) != natural
    found = certificates
    if (status := query.get("status") or "ALL") != "ALL":
        found = found.filter(status=STATUS_OF_CODE[status])
    found = found.search(query.get("search", ""), team=request.auth.team_id)
    rows = found.for_rows(*ALSO).annotate(listed_total=_bounded_count(found))
    keyset, start = ORDERS[sort, backwards], query["offset"]
    page = pagination.read(
        rows, keyset, query["limit"], after=query.get("cursor", ""), offset=start
    )
    rows = page.rows
    _attach_domains(rows)
    _attach_keys(rows)
    if rows:
        total = rows[0].listed_total
    elif page.at_start:
        total = 0
    else:  # past the end: the count has no row to come with
        total = pagination.bounded_count(found)
    capped = total > pagination.COUNT_LIMIT
    return Found(rows, min(total, pagination.COUNT_LIMIT), capped, page.next_cursor)


def _bounded_count(found) -> RawSQL:
    """How many rows the filters keep, counted up to COUNT_LIMIT + 1 (as the console's list),
    as a column of the page's own query: one query instead of two (the second was a fifth of
    the list's own time, and the API list's target is 2x a token hello-world)."""
    sql, params = (
        found.order_by().values("pk")[: pagination.COUNT_LIMIT + 1].query.sql_with_params()
    )
    return RawSQL(f"SELECT COUNT(*) FROM ({sql}) bounded", params, output_field=IntegerField())


def _attach_keys(rows: list) -> None:
    """Each row's key in words as `listed_key`: the algorithm the console generated the key
    with, or, for an applicant's own CSR, read from that CSR (fetched in one query, only for
    such rows: reading every row's CSR took 0.3 ms a page, a sixth of the list's own work)."""
    own = [row.pk for row in rows if row.csr_source == CsrSource.OWN]
    csrs = dict(Certificate.objects.filter(pk__in=own).values_list("pk", "csr_pem")) if own else {}
    for row in rows:
        found = csr_tools.stored_key_in_words("", csrs[row.pk]) if row.pk in csrs else None
        row.listed_key = found or KeyAlgorithm(row.key_algorithm).label


def _attach_domains(rows: list) -> None:
    """Each row's domain names as `listed_domains`: read in one query for the rows with
    more than their primary domain (domain_count says which), none when no row has more."""
    wanted = [row.pk for row in rows if row.domain_count > 1]
    names: dict[int, list[str]] = {}
    if wanted:
        for pk, name in Domain.objects.filter(certificate_id__in=wanted).values_list(
            "certificate_id", "name"
        ):
            names.setdefault(pk, []).append(name)
    for row in rows:
        row.listed_domains = names.get(row.pk) or (
            [row.primary_domain] if row.primary_domain else []
        )

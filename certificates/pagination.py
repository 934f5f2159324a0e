"""Keyset (cursor) pagination for the certificate list and the operation records: a deep
page costs what the first one does, and rows inserted or changed between page loads never
appear twice or vanish from the pages still to come (for the default, newest-first order)."""

import base64
import datetime as dt
import json
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models

from certificates import ids
from certificates.models.querysets import SORTS, CertificateQuerySet, beyond

DATETIME_KEYS = {"updated_at", "expiry_key", "at"}
# The values a number key's column can hold (a value outside makes Django drop the
# comparison as always false or true, which a kept poll query cannot be built from).
NUMBER_RANGES = {"id": (1, 2**63 - 1), "status_rank": (0, 32767)}
COUNT_LIMIT = 1000  # beyond this the list says "1,000+" instead of counting every row


@dataclass(frozen=True)
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None


def encode(row, sort: str) -> str:
    return encode_key(row, [name for name, _ in SORTS[sort]])


def encode_key(row, names: list[str]) -> str:
    """A cursor: the row's values of these columns."""
    values = [getattr(row, name) for name in names]
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode(token: str, sort: str) -> list | None:
    """The sort values in a cursor, or None when it is not one of ours for this sort."""
    return decode_key(token, [name for name, _ in SORTS[sort]])


def decode_key(token: str, names: list[str]) -> list | None:
    """The values of these columns in a cursor, or None when it is not one of ours: a
    forged cursor with values no row can have (numbers its column cannot hold, times
    outside the years 1–9999 in UTC) is no cursor at all, not a query the database refuses."""
    values = _read(token)
    if not isinstance(values, list) or len(values) != len(names):
        return None
    try:
        decoded = [
            _moment(value) if name in DATETIME_KEYS else _number(value, *NUMBER_RANGES[name])
            for name, value in zip(names, values, strict=True)
        ]
    except (ValueError, TypeError, OverflowError):
        return None
    return None if None in decoded else decoded


def _number(value, lowest: int, highest: int) -> int | None:
    """A whole number the key's column can hold, as encode() writes it (a JSON integer)."""
    return ids.number(value, lowest, highest) if isinstance(value, int) else None


def _moment(value) -> dt.datetime | None:
    """An aware time that exists in UTC, as encode() writes it (ISO 8601 with an offset)."""
    if not isinstance(value, str):
        return None
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        return None
    return moment.astimezone(dt.UTC)  # OverflowError past year 9999 or before year 1


def _select(queryset, sort: str, size: int, after: str, before: str, fetch) -> tuple[list, str]:
    """The rows of a page, read with `fetch`, and where they came from: "before" (exactly
    the page, in order), "after" or "first" (up to size + 1: one more tells a next page)."""
    if (values := decode(before, sort)) is not None:
        rows = fetch(queryset.before_row(sort, values).sorted_by(sort, backwards=True)[: size + 1])
        if len(rows) > size:
            return rows[:size][::-1], "before"
        # Back at the start: show the first page in full.
    elif (values := decode(after, sort)) is not None:
        return fetch(queryset.after_row(sort, values).sorted_by(sort)[: size + 1]), "after"
    return fetch(queryset.sorted_by(sort)[: size + 1]), "first"


def page(
    queryset: CertificateQuerySet,
    sort: str,
    size: int,
    *,
    after: str = "",
    before: str = "",
    fetch=list,
) -> Page:
    """One page of rows after (or before) a cursor, plus the cursors around it; `fetch`
    reads the rows of a window (a sliced queryset), by default as they are."""
    rows, origin = _select(queryset, sort, size, after, before, fetch)
    if origin == "before":
        return Page(rows, encode(rows[-1], sort), encode(rows[0], sort))
    following = encode(rows[size - 1], sort) if len(rows) > size else None
    rows = rows[:size]
    previous = encode(rows[0], sort) if origin == "after" and rows else None
    return Page(rows, following, previous)


def by_ids(rows: CertificateQuerySet):
    """A `fetch` for page() that finds the window's ids first (in the indexes alone: the
    certificate indexes hold the team, sort keys and status) and only then reads those rows
    from `rows`. For a search whose term many certificates share: read in one go, each of
    the matches was read in full before all but a page were dropped (make bench's
    list_search_common, a term in 1 row of 97, took 3.9x as long at 1M rows as at 1k)."""

    def fetch(window) -> list:
        return list(rows.filter(pk__in=window.values("pk")).order_by(*window.query.order_by))

    return fetch


def state_queries(
    queryset: CertificateQuerySet, sort: str, size: int, *, after: str = "", before: str = ""
) -> tuple[tuple[str, tuple], ...]:
    """The SQL, with its parameters, that reads (id, status, updated_at) of the rows page()
    would show: one query; for a page before a cursor, also the first page's, used when
    fewer than a page lie before the cursor (as in _select)."""

    def compiled(window) -> tuple[str, tuple]:
        sql, params = window.values_list("id", "status", "updated_at").query.sql_with_params()
        return sql, tuple(params)

    if (values := decode(before, sort)) is not None:
        backwards = queryset.before_row(sort, values).sorted_by(sort, backwards=True)
        first = queryset.sorted_by(sort)
        return compiled(backwards[: size + 1]), compiled(first[: size + 1])
    if (values := decode(after, sort)) is not None:
        return (compiled(queryset.after_row(sort, values).sorted_by(sort)[: size + 1]),)
    return (compiled(queryset.sorted_by(sort)[: size + 1]),)


def run_states(queries: tuple[tuple[str, tuple], ...], size: int, using: str) -> list[tuple]:
    """Run state_queries(): the rows as the database gives them (updated_at naive on
    SQLite, aware on PostgreSQL; views/lists.stamp() reads both alike), through a plain cursor —
    a poll runs every few seconds on every open page, and building models or converting
    results would cost more than the query."""
    with connections[using].cursor() as cursor:
        cursor.execute(*queries[0])
        rows = cursor.fetchall()
        if len(queries) == 2:
            if len(rows) > size:
                return rows[:size][::-1]
            cursor.execute(*queries[1])
            rows = cursor.fetchall()
    return rows[:size]


def page_states(
    queryset: CertificateQuerySet, sort: str, size: int, *, after: str = "", before: str = ""
) -> list[tuple]:
    """(id, status, updated_at) of the rows page() would show, in its order."""
    queries = state_queries(queryset, sort, size, after=after, before=before)
    return run_states(queries, size, queryset.db)


def start_of(queryset: CertificateQuerySet, sort: str, page: Page) -> int | None:
    """The place of the page's first row in the whole list (1 for the first page), counted
    no further than COUNT_LIMIT: None when more rows than that come before it."""
    if page.previous_cursor is None or not page.rows:
        return 1
    first = [getattr(page.rows[0], name) for name, _ in SORTS[sort]]
    before = queryset.order_by().before_row(sort, first)[: COUNT_LIMIT + 1].count()
    return before + 1 if before <= COUNT_LIMIT else None


def position(start: int | None, shown: int, total: int, *, exact: bool = False) -> str:
    """Where a page lies, bounded like the count: "21–40 of 53", "21–40 of more than
    1,000", or "20 past the first 1,000" deep in a long list; with an `exact` total (kept
    by the database, models/stats.py) "21–40 of 100,000" and "20 past the first 1,000 of
    100,000"."""
    if not shown:
        return ""
    if start is None:
        of = f" of {total:,}" if exact else ""
        return f"{shown:,} past the first {COUNT_LIMIT:,}{of}"
    of = f"more than {COUNT_LIMIT:,}" if total > COUNT_LIMIT and not exact else f"{total:,}"
    return f"{start:,}–{start + shown - 1:,} of {of}"


def bounded_count(queryset: CertificateQuerySet) -> int:
    """How many rows, counting no further than COUNT_LIMIT + 1 (their ids alone: a column
    worked out per row, as the review queue's call count, is not worked out to count)."""
    return queryset.order_by().values("pk")[: COUNT_LIMIT + 1].count()


RECORD_KEY = [("at", True), ("id", True)]  # the operation records, newest first


def records_page(queryset, size: int, after: str = "") -> Page:
    """A page of operation records, newest first, after a cursor (there is no way back but
    to the newest: records only grow at the top)."""
    names = [name for name, _ in RECORD_KEY]
    if (values := decode_key(after, names)) is not None:
        queryset = queryset.filter(beyond(RECORD_KEY, values, backwards=False))
    rows = list(queryset.order_by("-at", "-id")[: size + 1])
    following = encode_key(rows[size - 1], names) if len(rows) > size else None
    return Page(rows[:size], following, None)


def column_key(model, ordering) -> list[tuple[str, bool]] | None:
    """The keyset key of an ordering made of the model's own columns ("-at", "pk"), as
    (attname, descending) pairs; None for any other ordering (an expression, a related
    model, which orders by that model's own ordering), which keyset pages cannot follow.
    A row whose key holds NULL (a queue's date its state always sets) ends the pages: no
    cursor is made from it."""
    keys = []
    for item in ordering:
        if not isinstance(item, str) or "__" in item:
            return None
        name = item.removeprefix("-")
        name = model._meta.pk.name if name == "pk" else name
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not field.concrete or field.is_relation:
            return None
        keys.append((field.attname, item.startswith("-")))
        if field.unique:  # the rest of the ordering ("-pk" after "-id") orders nothing
            return keys
    return None  # no unique column: rows the order ties could be skipped or repeated


def decode_columns(token: str, model, keys: list[tuple[str, bool]]) -> list | None:
    """The values of a column_key() cursor, each checked against its column's type (as
    decode_key() does for the list's sorts), or None when the cursor is not one of ours."""
    values = _read(token)
    if not isinstance(values, list) or len(values) != len(keys):
        return None
    fields = {f.attname: f for f in model._meta.concrete_fields}
    try:
        decoded = [
            _column_value(fields[name], value)
            for (name, _), value in zip(keys, values, strict=True)
        ]
    except (ValueError, TypeError, OverflowError):
        return None
    return None if None in decoded else decoded


def _read(token: str):
    """A cursor's JSON, or None for anything that is not one of ours."""
    if not token:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except Exception:  # binascii.Error, UnicodeDecodeError, ValueError, RecursionError (a
        return None  # forged "[[[[…" in the admin's ?after=): hostile input, never a 500


def _column_value(field, value):
    connection = connections["default"]
    kind = field.get_internal_type()
    if isinstance(field, models.DateTimeField):
        return _moment(value)
    if isinstance(field, models.IntegerField | models.AutoField):
        lowest, highest = connection.ops.integer_field_range(kind)
        return _number(value, lowest if lowest is not None else -(2**63), highest or 2**63 - 1)
    if kind in ("CharField", "TextField", "SlugField") and isinstance(value, str):
        return value if field.max_length is None or len(value) <= field.max_length else None
    return None


def ordered(queryset, keys: list[tuple[str, bool]], *, backwards: bool = False):
    return queryset.order_by(
        *(f"{'-' if descending != backwards else ''}{name}" for name, descending in keys)
    )


def column_page(queryset, keys: list[tuple[str, bool]], size: int, *, after="", before="") -> Page:
    """A page of any queryset in the order of `keys` (column_key()), after or before a
    cursor: what page() does for the certificate list's sorts, for the admin's lists."""
    names = [name for name, _ in keys]
    model = queryset.model
    if (values := decode_columns(before, model, keys)) is not None:
        earlier = queryset.filter(beyond(keys, values, backwards=True))
        rows = list(ordered(earlier, keys, backwards=True)[: size + 1])
        if len(rows) > size:
            rows = rows[:size][::-1]
            return Page(rows, encode_key(rows[-1], names), encode_key(rows[0], names))
        after = ""  # fewer than a page before it: the first page
    if (values := decode_columns(after, model, keys)) is not None:
        rows = list(
            ordered(queryset.filter(beyond(keys, values, backwards=False)), keys)[: size + 1]
        )
        previous = encode_key(rows[0], names) if rows else None
    else:
        rows, previous = list(ordered(queryset, keys)[: size + 1]), None
    following = encode_key(rows[size - 1], names) if len(rows) > size else None
    if following and None in [getattr(rows[size - 1], name) for name in names]:
        following = None
    return Page(rows[:size], following, previous)


def column_start(queryset, keys: list[tuple[str, bool]], page: Page) -> int | None:
    """start_of() for a column_page(): the place of its first row, counted no further than
    COUNT_LIMIT (None beyond)."""
    if page.previous_cursor is None or not page.rows:
        return 1
    first = [getattr(page.rows[0], name) for name, _ in keys]
    earlier = queryset.order_by().filter(beyond(keys, first, backwards=True)).values("pk")
    before = earlier[: COUNT_LIMIT + 1].count()
    return before + 1 if before <= COUNT_LIMIT else None

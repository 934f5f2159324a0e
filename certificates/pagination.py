"""The one list reader: keyset (cursor) pages for every long list — the console's certificate
list and its poll, the operation records, the admin's big lists and the API's list. A deep
page costs what the first one does, and rows inserted or changed between page loads never
appear twice or vanish from the pages still to come (for a newest-first order).

    keyset = pagination.LIST_KEYSETS["updated"]         # or Keyset.of(model, ("-at", "-id"))
    page = pagination.read(queryset, keyset, 20, after=request.GET.get("after", ""))
    page.rows, page.next_cursor, page.previous_cursor

A Keyset is an order of a model's own columns ending with a unique one (the tiebreak that
makes the order total); a cursor is the values of those columns in a row, as base64url JSON
("WzQyXQ" is [42]): the format every list has always written, so bookmarked links keep
working. A cursor that is not one of ours (forged, from another sort, values no row can hold)
is no cursor at all: the first page, never a query the database refuses."""

import base64
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Q

from certificates import ids
from certificates.models import Certificate
from certificates.models.querysets import SORTS

COUNT_LIMIT = 1000  # beyond this the list says "1,000+" instead of counting every row


@dataclass(frozen=True)
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None
    at_start: bool = False  # the list's first page: no cursor and nothing skipped


class Keyset:
    """An order of a model's rows that a cursor can name a place in: (attname, descending)
    pairs of the model's own columns, the last one unique."""

    def __init__(self, model, keys: Sequence[tuple[str, bool]]) -> None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.model = model
        self.keys = tuple(keys)
        self.names = [name for name, _ in self.keys]
        self._readers = [_reader_of(fields[name]) for name in self.names]
        if None in self._readers or not _is_unique(fields[self.names[-1]]):
            raise ValueError(f"no keyset order: {self.keys}")
        self.ordering = tuple(f"{'-' if down else ''}{name}" for name, down in self.keys)
        self.backwards = tuple(f"{'' if down else '-'}{name}" for name, down in self.keys)

    @classmethod
    def of(cls, model, ordering: Sequence) -> "Keyset | None":
        """The keyset of an ordering made of the model's own columns ("-at", "pk"), up to its
        first unique column (the rest orders nothing); None for any other ordering (an
        expression, a related model, which orders by that model's own ordering; no unique
        column: rows the order ties could be skipped or repeated), which no cursor follows."""
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
            if not field.concrete or field.is_relation or _reader_of(field) is None:
                return None
            keys.append((field.attname, item.startswith("-")))
            if _is_unique(field):
                return cls(model, keys)
        return None

    def reversed(self) -> "Keyset":
        """The same columns, each the other way (the API's sort_dir): the same cursors."""
        return Keyset(self.model, [(name, not down) for name, down in self.keys])

    def order(self, queryset, *, backwards: bool = False):
        return queryset.order_by(*(self.backwards if backwards else self.ordering))

    def beyond(self, values: list, *, backwards: bool = False) -> Q:
        """Rows strictly after (or before) the row with these values: (a > x) or (a = x and
        b > y) …, each comparison in its key's direction. With several keys it also says
        a >= x on its own: an OR is no range an index can start at, so without that bound
        SQLite and PostgreSQL walk the index from the top to the cursor (the records' deep
        page took 2.1x as long at 100k rows as at 1k in make bench)."""
        condition = Q()
        for position in reversed(range(len(self.keys))):
            name, descending = self.keys[position]
            after = "lt" if descending != backwards else "gt"
            step = Q(**{f"{name}__{after}": values[position]})
            condition = (
                step
                if position == len(self.keys) - 1
                else step | (Q(**{name: values[position]}) & condition)
            )
        if len(self.keys) > 1:
            name, descending = self.keys[0]
            bound = "lte" if descending != backwards else "gte"
            condition &= Q(**{f"{name}__{bound}": values[0]})
        return condition

    def values_of(self, row) -> list:
        return [getattr(row, name) for name in self.names]

    def encode(self, row) -> str:
        """A cursor: the row's values of the keyset's columns."""
        values = self.values_of(row)
        plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
        return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")

    def decode(self, token: str) -> list | None:
        """The values in a cursor, or None when it is not one of ours: a forged cursor with
        values no row can have (numbers its column cannot hold, times outside the years
        1–9999 in UTC) is no cursor at all, not a query the database refuses."""
        values = _read(token)
        if not isinstance(values, list) or len(values) != len(self.keys):
            return None
        try:
            decoded = [read(value) for read, value in zip(self._readers, values, strict=True)]
        except (ValueError, TypeError, OverflowError):
            return None
        return None if None in decoded else decoded

    def windows(self, queryset, size: int, *, after="", before="", offset=0) -> tuple:
        """The windows (sliced querysets) a page reads, and where they start: (window,
        "first" | "after" | "before", fallback). A "before" window reads backwards, up to
        size + 1 rows; when it finds no more than a page, the page is the `fallback` (the
        first page, in full). The others read up to size + 1 rows: one more tells a next
        page. `offset` rows are skipped after the cursor (the API's offset)."""
        first = self.order(queryset)
        if (values := self.decode(before)) is not None:
            earlier = queryset.filter(self.beyond(values, backwards=True))
            return self.order(earlier, backwards=True)[: size + 1], "before", first[: size + 1]
        if (values := self.decode(after)) is not None:
            later = self.order(queryset.filter(self.beyond(values)))
            return later[offset : offset + size + 1], "after", None
        return first[offset : offset + size + 1], "first", None


def read(
    queryset,
    keyset: Keyset,
    size: int,
    *,
    after: str = "",
    before: str = "",
    offset: int = 0,
    fetch: Callable = list,
) -> Page:
    """One page of `size` rows in the keyset's order, after (or before) a cursor, plus the
    cursors around it; `fetch` reads the rows of a window (a sliced queryset), by default as
    they are. A row whose key holds NULL (a queue's date its state always sets) ends the
    pages: no cursor is made from it."""
    window, origin, fallback = keyset.windows(
        queryset, size, after=after, before=before, offset=offset
    )
    rows = fetch(window)
    if origin == "before":
        if len(rows) > size:
            rows = rows[:size][::-1]
            return Page(rows, _cursor(keyset, rows[-1]), _cursor(keyset, rows[0]))
        rows, origin = fetch(fallback), "first"  # back at the start: the first page in full
    following = _cursor(keyset, rows[size - 1]) if len(rows) > size else None
    rows = rows[:size]
    previous = _cursor(keyset, rows[0]) if origin == "after" and rows else None
    return Page(rows, following, previous, at_start=origin == "first" and not offset)


def _cursor(keyset: Keyset, row) -> str | None:
    return None if None in keyset.values_of(row) else keyset.encode(row)


def by_ids(rows) -> Callable:
    """A `fetch` for read() that finds the window's ids first (in the indexes alone: the
    certificate indexes hold the team, sort keys and status) and only then reads those rows
    from `rows`. For a search whose term many certificates share: read in one go, each of
    the matches was read in full before all but a page were dropped (make bench's
    list_search_common, a term in 1 row of 97, took 3.9x as long at 1M rows as at 1k)."""

    def fetch(window) -> list:
        return list(rows.filter(pk__in=window.values("pk")).order_by(*window.query.order_by))

    return fetch


def state_queries(
    queryset, keyset: Keyset, size: int, *, after: str = "", before: str = ""
) -> tuple[tuple[str, tuple], ...]:
    """The SQL, with its parameters, that reads (id, status, updated_at) of the rows read()
    would show: one query; for a page before a cursor, also the first page's, used when
    fewer than a page lie before the cursor (as in read())."""

    def compiled(window) -> tuple[str, tuple]:
        sql, params = window.values_list("id", "status", "updated_at").query.sql_with_params()
        return sql, tuple(params)

    window, _, fallback = keyset.windows(queryset, size, after=after, before=before)
    return tuple(compiled(w) for w in (window, fallback) if w is not None)


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
    queryset, keyset: Keyset, size: int, *, after: str = "", before: str = ""
) -> list[tuple]:
    """(id, status, updated_at) of the rows read() would show, in its order."""
    queries = state_queries(queryset, keyset, size, after=after, before=before)
    return run_states(queries, size, queryset.db)


def start_of(queryset, keyset: Keyset, page: Page) -> int | None:
    """The place of the page's first row in the whole list (1 for the first page), counted
    no further than COUNT_LIMIT (their ids alone): None when more rows than that come
    before it."""
    if page.previous_cursor is None or not page.rows:
        return 1
    first = keyset.values_of(page.rows[0])
    earlier = queryset.order_by().filter(keyset.beyond(first, backwards=True)).values("pk")
    before = earlier[: COUNT_LIMIT + 1].count()
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


def bounded_count(queryset) -> int:
    """How many rows, counting no further than COUNT_LIMIT + 1 (their ids alone: a column
    worked out per row, as the review queue's call count, is not worked out to count)."""
    return queryset.order_by().values("pk")[: COUNT_LIMIT + 1].count()


def _is_unique(field) -> bool:
    return field.primary_key or field.unique


def _reader_of(field) -> Callable | None:
    """How a cursor's value for this column is read, None for a column no cursor holds.
    Numbers are held to what the column can hold everywhere (PostgreSQL's ranges, ids from
    1): a value outside makes Django drop the comparison as always false or true, which a
    kept poll query cannot be built from."""
    column = field.output_field if isinstance(field, models.GeneratedField) else field
    kind = column.get_internal_type()
    if isinstance(column, models.DateTimeField):
        return _moment
    if kind in BaseDatabaseOperations.integer_field_ranges:
        lowest, highest = BaseDatabaseOperations.integer_field_ranges[kind]
        lowest = max(lowest, 1) if field.primary_key else lowest
        return lambda value: _number(value, lowest, highest)
    if kind in ("CharField", "TextField", "SlugField"):
        longest = column.max_length
        return lambda value: (
            value if isinstance(value, str) and (longest is None or len(value) <= longest) else None
        )
    return None


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


def _read(token: str):
    """A cursor's JSON, or None for anything that is not one of ours."""
    if not token:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except Exception:  # binascii.Error, UnicodeDecodeError, ValueError, RecursionError (a
        return None  # forged "[[[[…" in the admin's ?after=): hostile input, never a 500


# The certificate list's sorts (models/querysets.SORTS), read by the console and the API.
LIST_KEYSETS = {name: Keyset(Certificate, keys) for name, keys in SORTS.items()}

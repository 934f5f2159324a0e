"""Keyset (cursor) pagination for the certificate list: a deep page costs what the first
one does, and rows inserted or changed between page loads never appear twice or vanish
from the pages still to come (for the default, newest-first order)."""

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass

from certificates.querysets import SORTS, CertificateQuerySet

DATETIME_KEYS = {"updated_at", "expiry_key"}
COUNT_LIMIT = 1000  # beyond this the list says "1,000+" instead of counting every row


@dataclass(frozen=True)
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None


def encode(row, sort: str) -> str:
    values = [getattr(row, name) for name, _ in SORTS[sort]]
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode(token: str, sort: str) -> list | None:
    """The sort values in a cursor, or None when it is not one of ours for this sort."""
    if not token:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        keys = SORTS[sort]
        if not isinstance(values, list) or len(values) != len(keys):
            return None
        return [
            dt.datetime.fromisoformat(value) if name in DATETIME_KEYS else int(value)
            for (name, _), value in zip(keys, values, strict=True)
        ]
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None


def page(
    queryset: CertificateQuerySet, sort: str, size: int, *, after: str = "", before: str = ""
) -> Page:
    """One page of rows after (or before) a cursor, plus the cursors around it."""
    if (values := decode(before, sort)) is not None:
        rows = list(queryset.before_row(sort, values).sorted_by(sort, backwards=True)[: size + 1])
        if len(rows) > size:
            rows = rows[:size][::-1]
            return Page(rows, encode(rows[-1], sort), encode(rows[0], sort))
        # Back at the start: show the first page in full.
    elif (values := decode(after, sort)) is not None:
        rows = list(queryset.after_row(sort, values).sorted_by(sort)[: size + 1])
        following = encode(rows[size - 1], sort) if len(rows) > size else None
        rows = rows[:size]
        return Page(rows, following, encode(rows[0], sort) if rows else None)
    rows = list(queryset.sorted_by(sort)[: size + 1])
    return Page(rows[:size], encode(rows[size - 1], sort) if len(rows) > size else None, None)


def bounded_count(queryset: CertificateQuerySet) -> int:
    """How many rows, counting no further than COUNT_LIMIT + 1."""
    return queryset.order_by()[: COUNT_LIMIT + 1].count()

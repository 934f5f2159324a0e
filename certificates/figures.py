"""The overview's arithmetic, without the database: how long an issuance took, in the
buckets the statistics tables (models/stats.py) count it in, the median read back from those
counts and said in words, the months a chart spans, and the geometry of its bars.

An exact median needs every duration, sorted; a team with a hundred thousand certificates
would make each overview read them all. The tables keep, per team, month and type, how many
issuances fell in each bucket instead (a row each, kept by the database itself: migration
0024), and the median is placed inside its bucket by linear interpolation. The buckets are
a few percent to a third apart, finer than anyone reads a median of hours or days.
"""

import datetime as dt
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext, ngettext

# The upper edges, in seconds, of the buckets of "submitted to issued": bucket i holds the
# durations from EDGES[i - 1] (0 for the first) up to EDGES[i]; the last, len(EDGES), holds
# everything from 30 days on. Frozen: migration 0025 writes these numbers into its triggers.
EDGES = (
    60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400, 21600,
    28800, 43200, 64800, 86400, 129600, 172800, 259200, 345600, 432000, 604800, 864000,
    1209600, 1814400, 2592000,
)  # fmt: skip
UNKNOWN = -1  # issued without a submission time (none of the console's paths do that)


def bucket(seconds: float) -> int:
    """The bucket of a duration (the triggers compute the same with a CASE)."""
    for index, edge in enumerate(EDGES):
        if seconds < edge:
            return index
    return len(EDGES)


def median_seconds(counts: Mapping[int, int]) -> float | None:
    """The median duration of the issuances counted per bucket (UNKNOWN ones left out), or
    None when there are none; within its bucket, interpolated linearly. In the open last
    bucket, its lower edge: "30 days or more"."""
    known = {b: n for b, n in counts.items() if b != UNKNOWN and n > 0}
    total = sum(known.values())
    if not total:
        return None
    half, seen = total / 2, 0
    for index in sorted(known):
        if seen + known[index] >= half:
            low = EDGES[index - 1] if index > 0 else 0
            if index >= len(EDGES):
                return float(low)
            share = (half - seen) / known[index]
            return low + share * (EDGES[index] - low)
        seen += known[index]
    return float(EDGES[-1])  # not reached: the loop ends at the bucket holding half


def duration_words(seconds: float | None) -> str:
    """A median for people: "12 min", "3 h 20 min", "2 days 4 h"; "—" for none."""
    if seconds is None:
        return "—"
    if seconds >= EDGES[-1]:
        return gettext("30 days or more")
    if seconds < 60:
        return gettext("under a minute")
    minutes = max(round(seconds / 60), 1)
    if minutes < 60:
        return gettext("%(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        facts = {"hours": hours, "minutes": minutes}
        return (
            gettext("%(hours)d h %(minutes)d min") if minutes else gettext("%(hours)d h")
        ) % facts
    days, hours = divmod(hours, 24)
    if hours:
        words = ngettext("%(days)d day %(hours)d h", "%(days)d days %(hours)d h", days)
    else:
        words = ngettext("%(days)d day", "%(days)d days", days)
    return words % {"days": days, "hours": hours}


def months_back(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the last `count` months, oldest first, this month last."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


CHART_HEIGHT = 120  # the tallest bar of a chart, in SVG units


def bars(values: Iterable[tuple[str, int]], *, height: int = CHART_HEIGHT) -> list[dict]:
    """The geometry of a bar chart drawn on the server (SVG, no JavaScript): each bar's
    label, value, height on a scale whose top is the largest value (rounded up to a readable
    number), and its top's y (SVG's y grows downwards; the bars stand on y = height)."""
    values = list(values)
    top = nice_ceiling(max((v for _, v in values), default=0))
    found = []
    for label, value in values:
        tall = round(value / top * height) if top else 0
        found.append({"label": label, "value": value, "height": tall, "y": height - tall})
    return found


def shares(counts: Iterable[int]) -> list[int]:
    """Each count as a percentage of the largest: the lengths of a horizontal bar chart."""
    counts = list(counts)
    most = max(counts, default=0)
    return [round(count / most * 100) if most else 0 for count in counts]


def with_shares(pairs: Iterable[tuple], name: str) -> list[dict]:
    """The rows of a horizontal bar chart: each (item, count) as {name: item, "count",
    "share"}, the share being the count's percentage of the largest."""
    pairs = list(pairs)
    counted = shares(count for _, count in pairs)
    return [
        {name: item, "count": count, "share": share}
        for (item, count), share in zip(pairs, counted, strict=True)
    ]


def busiest(bars_drawn: list[dict]) -> dict | None:
    """The bar with the largest value (the first of equals), or None when all are 0."""
    top = max(bars_drawn, key=lambda bar: bar["value"], default=None)
    return top if top and top["value"] else None


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, … not below `value` (0 for 0)."""
    if value <= 0:
        return 0
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10

"""How long a certificate may be valid, per the CA/Browser Forum schedule (SPEC §2)."""

import datetime as dt

# (effective from, maximum validity in days) — Baseline Requirements §6.3.2 (SC-081).
_SCHEDULE = [
    (dt.date(2029, 3, 15), 47),
    (dt.date(2027, 3, 15), 100),
    (dt.date(2026, 3, 15), 200),
]
_BEFORE_SCHEDULE = 398
# One day of margin under the limit, so clock skew or the inclusive last second never
# pushes a certificate over it.
MARGIN_DAYS = 1
TEST_CERTIFICATE_DAYS = 90


def max_validity_days(issued_on: dt.date) -> int:
    """Days a certificate issued on this date may be valid, margin already taken off."""
    for effective, days in _SCHEDULE:
        if issued_on >= effective:
            return days - MARGIN_DAYS
    return _BEFORE_SCHEDULE - MARGIN_DAYS


def validity_period(
    issued_at: dt.datetime, *, is_test: bool = False
) -> tuple[dt.datetime, dt.datetime]:
    """(not_before, not_after) for a certificate issued at this moment: the longest
    validity in force, or three months for a test certificate. A renewal gets the same:
    the limit leaves no room to add the days its predecessor had left."""
    limit = max_validity_days(issued_at.date())
    days = min(TEST_CERTIFICATE_DAYS, limit) if is_test else limit
    # not_after is inclusive (RFC 5280), so the period ends one second before the full days.
    return issued_at, issued_at + dt.timedelta(days=days) - dt.timedelta(seconds=1)


def days_valid(not_before: dt.datetime, not_after: dt.datetime) -> int:
    """The validity period in days as X.509 counts it (RFC 5280 §4.1.2.5, BR §6.3.2): from
    not_before to not_after inclusive, so 199 days less a second lasts 199 days; a part of a
    day counts as a day, so a certificate is never said to be shorter than it is."""
    span = not_after - not_before + dt.timedelta(seconds=1)
    return span.days + bool(span.seconds or span.microseconds)

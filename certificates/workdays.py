"""Working-day arithmetic for expected issue dates: weekends, public holidays of the CA's
country (the `holidays` package) and the CA's own suspension dates are skipped."""

import datetime as dt
from functools import cache

import holidays
from django.conf import settings


@cache
def _public_holidays(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, years=year))


def is_working_day(day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    if day.isoformat() in settings.SCM_CA_SUSPENSION_DATES:
        return False
    return day not in _public_holidays(settings.SCM_CA_HOLIDAY_COUNTRY, day.year)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself does not count)."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day

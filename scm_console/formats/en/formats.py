"""Dates as the console writes them (certificates/templatetags/console.py `when`): ISO order,
24-hour clock and always the time zone, so that the admin's "2026-12-07 05:18 UTC" says which
05:18 it means (the stock English format is "Dec. 7, 2026, 5:18 a.m.", with no zone)."""

DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "M Y"  # Dec 2026: the overview's months
MONTH_DAY_FORMAT = "d M"  # 07 Dec: the staff overview's days

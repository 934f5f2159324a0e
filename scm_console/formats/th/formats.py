"""Dates in Thai as the console writes them: day, abbreviated month and the Gregorian year
(as certificates, CRLs and the cloud consoles count them), a 24-hour clock and the zone."""

DATETIME_FORMAT = "j M Y H:i T"
SHORT_DATETIME_FORMAT = "j M Y H:i T"
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "M Y"  # ธ.ค. 2026
MONTH_DAY_FORMAT = "j M"  # 7 ธ.ค.

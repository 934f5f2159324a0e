"""How the console writes times: one format everywhere, always with its zone."""

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def when(moment: dt.datetime | None) -> str:
    """2026-11-29 21:03 UTC: the time in the console's zone, labelled with it."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


@register.filter
def day(moment: dt.date | dt.datetime | None) -> str:
    """2026-11-29: a date, or the date a time falls on in the console's zone."""
    if moment is None:
        return "—"
    if isinstance(moment, dt.datetime):
        moment = timezone.localdate(moment)
    return moment.isoformat()

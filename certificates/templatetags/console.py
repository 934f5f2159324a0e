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


@register.filter
def duration(span: dt.timedelta | None) -> str:
    """15 minutes, 1 hour, 2 hours 30 minutes: a length of time in words (not PT15M)."""
    if span is None:
        return "a while"
    minutes = max(1, round(span.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


@register.inclusion_tag("certificates/_errors.html")
def error_summary(*forms, heading: str = "") -> dict:
    """A box listing every error of these forms, each linked to its field; the page moves
    focus to it (console.js), so keyboard and screen-reader users start there. `heading`
    replaces "Nothing was saved" where the form saves nothing (filters)."""
    errors = []
    for form in forms:
        if form is None or not form.is_bound:
            continue
        for message in form.non_field_errors():
            errors.append(("", message))
        for field in form:
            for message in field.errors:
                errors.append((field.id_for_label or "", f"{field.label}: {message}"))
    return {"errors": errors, "heading": heading}

"""How the console writes times: one format a language (scm_console/formats/), always with
its zone."""

import datetime as dt

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def when(moment: dt.datetime | None) -> str:
    """2026-11-29 21:03 UTC: the time in the console's zone, labelled with it."""
    if moment is None:
        return "—"
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@register.filter
def day(moment: dt.date | dt.datetime | None) -> str:
    """2026-11-29: a date, or the date a time falls on in the console's zone."""
    if moment is None:
        return "—"
    if isinstance(moment, dt.datetime):
        moment = timezone.localdate(moment)
    return formats.date_format(moment, "DATE_FORMAT")


@register.filter
def duration(span: dt.timedelta | None) -> str:
    """15 minutes, 1 hour, 2 hours 30 minutes: a length of time in words (not PT15M)."""
    if span is None:
        return _("a while")
    minutes = max(1, round(span.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = [ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}] if hours else []
    if minutes:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
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

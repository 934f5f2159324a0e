"""Operation records (SPEC §9): what was done to the team's certificates and members, by
whom and when, newest first, filtered by member, action, certificate and dates, in keyset
pages like the list; ?format=csv streams every record the filters keep, in constant memory."""

import csv
import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from certificates import pagination
from certificates.actions import record_label
from certificates.choices import Status
from certificates.forms.records import RecordFilterForm
from certificates.models import Record
from certificates.models.records import shown_actor
from certificates.permissions import VIEW
from teams import session

PAGE_SIZE = 50
CSV_COLUMNS = ["time (UTC)", "member", "action", "certificate", "from", "to", "detail"]
CSV_CHUNK = 2000  # rows fetched at a time: memory stays flat whatever the number of records
LABELS = {status.value: status.label for status in Status}
NEWEST_FIRST = pagination.Keyset(Record, [("at", True), ("id", True)])


@login_required
@require_GET
def records(request: HttpRequest) -> HttpResponse:
    membership = session.require(request, VIEW)
    team = membership.team
    members = list(
        team.memberships.order_by("user__username").values_list("user__username", flat=True)
    )
    form = RecordFilterForm(request.GET, members=members)
    found = Record.objects.filter(team=team, **form.filters())
    if request.GET.get("format") == "csv":
        return _csv(found, team.name)
    # Each row links to its certificate unless that was deleted since (one join, no query
    # per row).
    shown = found.annotate(certificate_status=F("certificate__status"))
    # Older pages only: there is no way back but to the newest (records grow at the top).
    after = form.cleaned_data.get("after", "")
    page = pagination.read(shown, NEWEST_FIRST, PAGE_SIZE, after=after)
    context = {
        "team": team,
        "form": form,
        "page": page,
        "filtered": any(form.cleaned_data.get(name) for name in form.fields if name != "after"),
        "time_zone": timezone.get_current_timezone_name(),
    }
    return render(request, "certificates/records.html", context)


class _Line:
    """A file-like object that hands back what csv.writer writes to it."""

    def write(self, value: str) -> str:
        return value


def _cell(value: str) -> str:
    """A spreadsheet must not run a record as a formula (a certificate named "=HYPERLINK(…)"):
    text starting with =, +, -, @ or a control character is written after a quote mark."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def _csv(found, team_name: str) -> StreamingHttpResponse:
    writer = csv.writer(_Line())
    rows = NEWEST_FIRST.order(found).values_list(
        "at", "actor_name", "action", "certificate_label", "source", "target", "detail"
    )

    # The words in the reader's language, translated once a file, not once a cell (the
    # column names stay English: scripts read them).
    states = {value: str(label) for value, label in LABELS.items()}
    kinds: dict[str, str] = {}

    def lines():
        yield writer.writerow(CSV_COLUMNS)
        for at, actor, action, label, source, target, detail in rows.iterator(CSV_CHUNK):
            if action not in kinds:
                kinds[action] = str(record_label(action))
            yield writer.writerow(
                [
                    at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                    _cell(shown_actor(actor)),
                    kinds[action],
                    _cell(label),
                    states.get(source, source),
                    states.get(target, target),
                    _cell(detail),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"{slugify(team_name) or 'team'}-records.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response

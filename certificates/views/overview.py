"""The team's overview (/overview/): what needs attention, what expires soon, issuance
month by month and how long it took, as charts drawn on the server (services/overview.py
reads the counts the database keeps)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from certificates import stats
from certificates.choices import Status
from certificates.permissions import VIEW
from certificates.services.overview import EXPIRY_WINDOWS, team_overview
from teams import session

CHART_HEIGHT = stats.CHART_HEIGHT  # the tallest bar of a chart, in SVG units


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    membership = session.require(request, VIEW)
    found = team_overview(membership.team_id)
    busiest = max(found.months, key=lambda m: m["value"]) if found.issued_in_year else None
    most = max((count for _, count in found.states), default=0)
    for bar in found.months:  # SVG's y grows downwards: a bar stands on the axis
        bar["y"] = CHART_HEIGHT + 10 - bar["height"]
    context = {
        "team": membership.team,
        "overview": found,
        "states": [
            {
                "status": status,
                "count": count,
                "share": round(count / most * 100) if most else 0,
                "progress": status.progress,
            }
            for status, count in found.states
        ],
        "busiest": busiest,
        "windows": EXPIRY_WINDOWS,
        "expiring": [(days, found.expiring[days]) for days in EXPIRY_WINDOWS],
        "chart_height": CHART_HEIGHT,
        "issued": Status.ISSUED,
    }
    return render(request, "certificates/overview.html", context)

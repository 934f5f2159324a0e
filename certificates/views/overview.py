"""The team's overview (/overview/): what needs attention, what expires soon, issuance
month by month and how long it took, as charts drawn on the server (services/overview.py
reads the counts the database keeps)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from certificates import figures
from certificates.choices import Status
from certificates.permissions import VIEW
from certificates.services.overview import EXPIRY_WINDOWS, team_overview
from teams import session


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    membership = session.require(request, VIEW)
    found = team_overview(membership.team_id)
    context = {
        "team": membership.team,
        "overview": found,
        "states": figures.with_shares(found.states, "status"),
        "busiest": figures.busiest(found.months),
        "expiring": [(days, found.expiring[days]) for days in EXPIRY_WINDOWS],
        "chart_height": figures.CHART_HEIGHT,
        "issued": Status.ISSUED,
    }
    return render(request, "certificates/overview.html", context)

"""The management list (SPEC §7): tabs, status filter, search, sort and keyset pages, with
rows in progress refreshed by one htmx poll of the whole table body (204 while nothing on
the page changed; no trigger once nothing can move)."""

import datetime as dt
import hashlib
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from certificates import pagination
from certificates.choices import CsrSource, Status
from certificates.forms import TABS, ListFilterForm
from certificates.models import AcmeOrder, Certificate, SearchKey, StateCount
from certificates.models.presenter import Shown
from certificates.models.querysets import id_in
from certificates.permissions import ACT, may
from certificates.services.purchases import test_certificates_left
from certificates.views.common import step_links
from teams import session


class _PagePaths:
    """The URLs of a page's rows, with one reverse() per URL name instead of one per row
    and link (about 80 for a page of 20 rows). A speed trick that pays: without it the
    first page took 1.05-1.08x as long (interleaved A/B at 1k, SQLite and PostgreSQL)."""

    SLOT = "2147483647"

    def __init__(self) -> None:
        self.patterns: dict[str, str] = {}

    def __call__(self, name: str, pk: int) -> str:
        if name not in self.patterns:
            self.patterns[name] = reverse(name, args=[self.SLOT]).replace(self.SLOT, "{}")
        return self.patterns[name].format(pk)


def _fingerprint(rows: list[Certificate]) -> str:
    """Changes whenever a row on the page is added, removed or updated."""
    return _fingerprint_of([(c.pk, c.status, c.updated_at) for c in rows])


def _fingerprint_of(states: list[tuple]) -> str:
    raw = "|".join(f"{pk}:{status}:{stamp(updated_at)}" for pk, status, updated_at in states)
    return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()


def stamp(moment: dt.datetime) -> str:
    """A time as UTC wall-clock text, whether it comes aware (models, PostgreSQL) or naive
    in UTC (SQLite's raw rows)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat()


def _empty_list(team: dict, filters: dict) -> tuple[str, str, str]:
    """What an empty list says, and the link that helps: (text, link label, link URL); no
    link to buy for a role that may not."""
    if filters["q"] or filters["status"]:
        clear = f"{reverse('certificates:list')}?{urlencode({'tab': filters['tab']})}"
        return _("No certificates match these filters."), _("Show them all"), clear
    buy = reverse("certificates:buy") if may(team["role"], ACT) else ""
    if filters["tab"] == "test":
        left = test_certificates_left(team["id"])
        if not left:
            return _("No test certificates here, and none left in this team."), "", ""
        if not buy:
            return _("No test certificates yet."), "", ""
        offer = _("Get a free one: %(left)d left") % {"left": left}
        return _("No test certificates yet."), offer, f"{buy}?tab=test"
    return _("No SSL certificates yet."), _("Buy one") if buy else "", buy


def _rows_context(rows: list[Certificate], filters: dict, team: dict | None = None) -> dict:
    path = _PagePaths()
    accounts = _acme_accounts(rows)
    for certificate in rows:
        certificate.url = path("certificates:detail", certificate.pk)
        # Worked out only for a row the template renders (not for one it finds cached).
        certificate.operations = lambda c=certificate: step_links(c, path)
        certificate.acme_account = accounts.get(certificate.pk)
        certificate.shown = Shown(certificate)
    polling = any(c.state.is_waiting_for_ca for c in rows)
    poll_query = urlencode({**{k: v for k, v in filters.items() if v}, "fp": _fingerprint(rows)})
    return {
        "rows": rows,
        "empty": _empty_list(team, filters) if not rows and team is not None else None,
        "polling": polling,
        "poll_url": f"{reverse('certificates:list')}?{poll_query}",
        "poll_interval_ms": int(settings.SCM_POLL_INTERVAL * 1000),
        "row_moment": _row_moment(),
    }


def _row_moment() -> str:
    """What a row's HTML depends on besides the row (its id, state, last change, the
    viewer's role and its ACME account: the cache key in list.html): the time zone its
    dates are shown in, and the minute (expected issue dates and "expires in 3 days" move
    with the clock). A speed trick that pays: without the row cache the first page took
    1.3-1.4x as long (make bench, PostgreSQL, 1M rows), and the stock admin's margin over it
    fell below the 12x wanted."""
    return f"{timezone.get_current_timezone_name()}:{timezone.now():%Y%m%d%H%M}"


def _acme_accounts(rows: list[Certificate]) -> dict[int, int]:
    """The ACME account of each row an ACME client ordered (SPEC §11: the list labels them),
    in one query, and only when the page has such rows."""
    ordered = [row.pk for row in rows if row.csr_source == CsrSource.ACME]
    if not ordered:
        return {}
    found = AcmeOrder.objects.filter(certificate_id__in=ordered)
    return dict(found.values_list("certificate_id", "account_id"))


def _ours(team_id: int, user_id: int, filters: dict):
    """The team's certificates that the list's filters keep, as this member sees them (none
    unless they are a member, checked in the same query)."""
    return ListFilterForm.apply(
        Certificate.objects.of_team(team_id, user_id), filters, team=team_id
    )


@lru_cache(maxsize=1024)
def _poll_queries(
    team_id: int, user_id: int, filters: tuple[tuple[str, str], ...], size: int
) -> tuple:
    """A poll's SQL. It depends only on who polls and on the page's filters, which a page
    sends unchanged every few seconds, so each process builds it once per page. A speed
    trick that pays: an unchanged poll took 1.12-1.22x as long building it each time, and
    1.14-1.26x reading the states through the ORM instead of pagination.run_states()
    (interleaved A/B at 1k; the target is a poll within 1.5x a hello-world page)."""
    values = dict(filters)
    where = {"after": values["after"], "before": values["before"]}
    ours = _ours(team_id, user_id, values)
    return pagination.state_queries(ours, pagination.LIST_KEYSETS[values["sort"]], size, **where)


def _page(team_id: int, user_id: int, filters: dict, size: int) -> pagination.Page:
    """A page of rows, each with the member's role (`viewer_role`) for its buttons."""
    where = {"after": filters["after"], "before": filters["before"]}
    keyset = pagination.LIST_KEYSETS[filters["sort"]]
    ours = _ours(team_id, user_id, filters)
    if filters["q"]:
        rows = Certificate.objects.with_role(team_id, user_id).for_list()
        return pagination.read(ours, keyset, size, fetch=pagination.by_ids(rows), **where)
    return pagination.read(ours.with_role(team_id, user_id).for_list(), keyset, size, **where)


def _total(team_id: int, filters: dict, ours) -> tuple[int, bool]:
    """How many certificates the filters keep, and whether exactly: from the team's counts
    per state (models/stats.py, kept by the database) when at most a state filters them;
    for a search alone, from its search keys (counted up to pagination.COUNT_LIMIT without
    reading a certificate: counting through them took 1.9 ms of a page for a term in 1 of
    97 rows at 1M, on SQLite); else counted up to pagination.COUNT_LIMIT. (The page's own
    query checked membership: a stranger sees no rows, hence no position.)"""
    term, everything = filters["q"], filters["tab"] == "all"
    if everything and not term:
        counts = StateCount.objects.filter(team_id=team_id).exclude(status=Status.DELETED)
        if filters["status"]:
            counts = counts.filter(status=filters["status"])
        return counts.aggregate(n=Sum("count"))["n"] or 0, True
    if everything and not filters["status"] and id_in(term) is None:
        deleted = Certificate.objects.filter(team_id=team_id, status=Status.DELETED).values("pk")
        found = SearchKey.count_matching(
            term, team_id, leaving_out=deleted, limit=pagination.COUNT_LIMIT
        )
        return found, False
    return pagination.bounded_count(ours), False


MAX_KEPT_QUERY = 4000


def _first_page_instead(request: HttpRequest) -> HttpResponse:
    """An old link's numbered page (?page=2): pages go by ?after= now, which a number cannot
    name, so the first page of the same filters, saying so instead of ignoring it."""
    kept = request.GET.copy()
    if kept.pop("page") != ["1"]:
        messages.info(
            request, _("Pages have no numbers here: this is the first page; Next goes on from it.")
        )
    url = reverse("certificates:list")
    query = kept.urlencode()
    # A query too long to send back (Django refuses to redirect past 16 KB) is not a filter
    # anyone typed: the plain first page.
    return redirect(f"{url}?{query}" if query and len(query) <= MAX_KEPT_QUERY else url)


@require_GET
@vary_on_headers("HX-Request")
def certificate_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # A poll from a page whose session ended: send the whole page to the login form
        # instead of swapping the login form into the table.
        login = redirect_to_login(request.get_full_path())
        return HttpResponseClientRedirect(login.url) if request.htmx else login
    if "page" in request.GET:
        return _first_page_instead(request)
    filters = ListFilterForm.parse(request.GET)
    size = settings.SCM_PAGE_SIZE
    # The team the user works in, as the session says (no query); every query below checks
    # the membership itself, so a member removed meanwhile sees nothing of the team.
    team = session.current(request)
    if request.htmx:
        # A poll: first only what the fingerprint needs; 204 when nothing on the page changed.
        queries = _poll_queries(team["id"], request.user.pk, tuple(filters.items()), size)
        states = pagination.run_states(queries, size, Certificate.objects.db)
        if request.GET.get("fp") == _fingerprint_of(states):
            return HttpResponse(status=204)
    rows = _page(team["id"], request.user.pk, filters, size)
    if not rows.rows and not request.htmx:
        # Nothing to show: make sure the session's team and role are still true (one more
        # query, only for an empty page) before saying what the team could do next.
        was = team["id"]
        session.membership(request)
        team = session.current(request)
        if team["id"] != was:  # removed from that team: their first team instead
            rows = _page(team["id"], request.user.pk, filters, size)
    context = _rows_context(rows.rows, filters, team)
    if request.htmx:
        return render(request, "certificates/list.html#rows", context)
    ours = _ours(team["id"], request.user.pk, filters)
    start = pagination.start_of(ours, pagination.LIST_KEYSETS[filters["sort"]], rows)
    total, exact = _total(team["id"], filters, ours)
    # The role as the database has it: read with the rows, or just refreshed when none.
    role = rows.rows[0].viewer_role if rows.rows else team["role"]
    context.update(
        status_choices=ListFilterForm.base_fields["status"].choices,
        sort_choices=ListFilterForm.base_fields["sort"].choices,
        filters=filters,
        page=rows,
        position=pagination.position(start, len(rows.rows), total, exact=exact),
        time_zone=timezone.get_current_timezone_name(),
        tabs=TABS,
        may_buy=may(role, ACT),
    )
    return render(request, "certificates/list.html", context)

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from certificates import bundles, dcv, limits, pagination, tasks, uploads
from certificates.choices import DomainStatus, Method, Server, Status
from certificates.domains import unicode_form
from certificates.forms import (
    TABS,
    ActionForm,
    ApplicationForm,
    ListFilterForm,
    OrganizationForm,
    PurchaseForm,
    RenameForm,
    TestCertificateForm,
)
from certificates.models import Certificate, DownloadRecord, Organization, TransitionRefused
from certificates.services import (
    QuotaExceeded,
    buy,
    buy_test_certificate,
    private_key_pem,
    renew,
    save_application,
    test_certificates_left,
)


@dataclass(frozen=True)
class OwnerAction:
    slug: str
    transition: str
    question: str
    reason_required: bool = False
    reason_codes: bool = False
    dangerous: bool = False  # cannot be undone: the button says so by its look


OWNER_ACTIONS = {
    action.slug: action
    for action in [
        OwnerAction("submit", "submit", "Send this application to the CA for verification?"),
        OwnerAction(
            "withdraw",
            "withdraw",
            "Withdraw this application? The CA stops verifying it and it returns to "
            "“Pending application”; verification starts again from scratch.",
        ),
        OwnerAction("edit", "edit", "Reopen this failed application so you can fix it?"),
        OwnerAction(
            "revoke",
            "request_revocation",
            "Ask the CA to revoke this certificate? Once revoked it cannot be used again.",
            reason_required=True,
            reason_codes=True,
            dangerous=True,
        ),
        OwnerAction(
            "delete",
            "discard",
            "Delete this certificate from your list? Its history is kept for audit.",
        ),
    ]
}
SLUG_OF = {action.transition: action.slug for action in OWNER_ACTIONS.values()}


def _get_certificate_for_user(request: HttpRequest, pk: int) -> Certificate:
    """The signed-in applicant's certificate, or 404 (also for other people's)."""
    return get_object_or_404(Certificate.objects.for_user(request.user), pk=pk)


def _path(name: str, pk: int) -> str:
    return reverse(name, args=[pk])


def _operations(
    certificate: Certificate, path: Callable[[str, int], str] = _path
) -> list[tuple[str, str]]:
    """(label, url) of each action the owner can take on this certificate now."""
    operations = []
    if certificate.status == Status.PENDING_APPLICATION:
        operations.append(("Apply", path("certificates:apply", certificate.pk)))
    if certificate.status in (Status.ISSUED, Status.EXPIRED):
        operations.append(("Renew", path("certificates:renew", certificate.pk)))
    # One verb a step: an application is filled in and submitted on its form ("Apply"),
    # so the bare "Submit" action is not offered beside it.
    return operations + [
        (
            Certificate.transition_custom(name)["label"],
            path(f"certificates:{SLUG_OF[name]}", certificate.pk),
        )
        for name in sorted(certificate.owner_actions(), key=list(SLUG_OF).index)
        if name != "submit"
    ]


class _PagePaths:
    """The URLs of a page's rows, with one reverse() per URL name instead of one per row
    and link (about 80 for a page of 20 rows)."""

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


def _empty_list(user, filters: dict) -> tuple[str, str, str]:
    """What an empty list says, and the link that helps: (text, link label, link URL)."""
    if filters["q"] or filters["status"]:
        clear = f"{reverse('certificates:list')}?{urlencode({'tab': filters['tab']})}"
        return "No certificates match these filters.", "Show them all", clear
    buy = reverse("certificates:buy")
    if filters["tab"] == "test":
        left = test_certificates_left(user)
        if not left:
            return "No test certificates here, and none left on this account.", "", ""
        return "No test certificates yet.", f"Get a free one: {left} left", f"{buy}?tab=test"
    return "No SSL certificates yet.", "Buy one", buy


def _rows_context(rows: list[Certificate], filters: dict, user=None) -> dict:
    path = _PagePaths()
    for certificate in rows:
        certificate.url = path("certificates:detail", certificate.pk)
        certificate.operations = _operations(certificate, path)
    polling = any(c.state.is_waiting_for_ca for c in rows)
    poll_query = urlencode({**{k: v for k, v in filters.items() if v}, "fp": _fingerprint(rows)})
    return {
        "rows": rows,
        "empty": _empty_list(user, filters) if not rows and user is not None else None,
        "polling": polling,
        "poll_url": f"{reverse('certificates:list')}?{poll_query}",
        "poll_interval_ms": int(settings.SCM_POLL_INTERVAL * 1000),
    }


def _mine(owner, filters: dict):
    """The owner's certificates that the list's filters keep (owner: a user or an id)."""
    return ListFilterForm.apply(Certificate.objects.for_user(owner), filters, owner=owner)


@lru_cache(maxsize=1024)
def _poll_queries(owner_id: int, filters: tuple[tuple[str, str], ...], size: int) -> tuple:
    """A poll's SQL. It depends only on who polls and on the page's filters, which a page
    sends unchanged every few seconds, so each process builds it once per page."""
    values = dict(filters)
    where = {"after": values["after"], "before": values["before"]}
    return pagination.state_queries(_mine(owner_id, values), values["sort"], size, **where)


@lru_cache(maxsize=1024)
def _first_page_query(owner_id: int, filters: tuple[tuple[str, str], ...], size: int) -> tuple:
    """A first page's SQL: every visit to the list with these filters lands on it, and
    like a poll's it depends only on the owner and the filters (no cursor yet)."""
    values = dict(filters)
    return pagination.first_page_query(_mine(owner_id, values).for_list(), values["sort"], size)


def _page(user, filters: dict, size: int) -> pagination.Page:
    if not (filters["after"] or filters["before"]):
        query = _first_page_query(user.pk, tuple(filters.items()), size)
        return pagination.first_page(Certificate, query, filters["sort"], size)
    where = {"after": filters["after"], "before": filters["before"]}
    return pagination.page(_mine(user, filters).for_list(), filters["sort"], size, **where)


@require_GET
@vary_on_headers("HX-Request")
def certificate_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # A poll from a page whose session ended: send the whole page to the login form
        # instead of swapping the login form into the table.
        login = redirect_to_login(request.get_full_path())
        return HttpResponseClientRedirect(login.url) if request.htmx else login
    filters = ListFilterForm.parse(request.GET)
    size = settings.SCM_PAGE_SIZE
    if request.htmx:
        # A poll: first only what the fingerprint needs; 204 when nothing on the page changed.
        queries = _poll_queries(request.user.pk, tuple(filters.items()), size)
        states = pagination.run_states(queries, size, Certificate.objects.db)
        if request.GET.get("fp") == _fingerprint_of(states):
            return HttpResponse(status=204)
    rows = _page(request.user, filters, size)
    context = _rows_context(rows.rows, filters, request.user)
    if request.htmx:
        return render(request, "certificates/list.html#rows", context)
    mine = _mine(request.user, filters)
    start = pagination.start_of(mine, filters["sort"], rows)
    context.update(
        status_choices=ListFilterForm.base_fields["status"].choices,
        sort_choices=ListFilterForm.base_fields["sort"].choices,
        filters=filters,
        page=rows,
        position=pagination.position(start, len(rows.rows), pagination.bounded_count(mine)),
        time_zone=timezone.get_current_timezone_name(),
        tabs=TABS,
    )
    return render(request, "certificates/list.html", context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The details page; polled by htmx while the certificate can move on: 204 while
    nothing it shows changed, else the page's live part."""
    certificate = _get_certificate_for_user(request, pk)
    if request.htmx:
        if request.GET.get("fp") == certificate.live_fingerprint():
            return HttpResponse(status=204)
        return render(request, "certificates/detail.html#live", _detail_context(certificate))
    return render(request, "certificates/detail.html", _detail_context(certificate))


def _detail_context(certificate: Certificate) -> dict:
    polling = certificate.state.is_waiting_for_ca
    return {
        "certificate": certificate,
        "domains": certificate.domains.all(),
        "timeline": certificate.timeline(),
        "calls": certificate.contact_attempts.all(),
        "operations": _operations(certificate),
        "verifying": certificate.status == Status.PENDING_DOMAIN_VERIFICATION,
        "deadline_days": settings.SCM_VERIFICATION_DEADLINE_DAYS,
        "servers": [(s, bundles.needs_key(s) and not certificate.private_key) for s in Server],
        "downloads": certificate.downloads.select_related("user"),
        "polling": polling,
        "poll_url": f"{certificate.detail_url}?fp={certificate.live_fingerprint()}"
        if polling
        else "",
        "poll_interval_ms": int(settings.SCM_POLL_INTERVAL * 1000),
    }


def _refused(request: HttpRequest, certificate: Certificate, message: str, status: int):
    """A refused browser POST: the details page says why, after a redirect (reloading it
    posts nothing again); htmx requests get the status itself."""
    if request.htmx:
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect(certificate.detail_url)


def _too_soon(request: HttpRequest, certificate: Certificate, refused: limits.Limited):
    """Refused for now: the message says when to try again. A browser is sent back to the
    details page; htmx requests (and the API) get 429 with Retry-After."""
    if request.method == "POST" and not request.htmx:
        messages.warning(request, str(refused))
        return redirect(certificate.detail_url)
    if request.htmx:
        response = HttpResponse(str(refused), content_type="text/plain; charset=utf-8")
    else:  # a download link: the details page, saying when
        messages.warning(request, str(refused))
        response = render(request, "certificates/detail.html", _detail_context(certificate))
    response.status_code = 429
    response["Retry-After"] = str(refused.retry_after)
    return response


@login_required
@require_POST
def certificate_verify_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Check every pending domain at once, instead of waiting for the worker."""
    certificate = _get_certificate_for_user(request, pk)
    pending = list(certificate.domains.filter(status=DomainStatus.PENDING))
    if certificate.status != Status.PENDING_DOMAIN_VERIFICATION or not pending:
        messages.error(request, "There is nothing to verify now.")
        return redirect("certificates:detail", pk=pk)
    try:
        limits.verify_now(certificate)
    except limits.Limited as refused:
        return _too_soon(request, certificate, refused)
    recently = dt.timedelta(seconds=settings.SCM_VERIFY_NOW_SECONDS)
    # One check's time limit for the whole request: domains left when it is spent are
    # checked by the worker at once, so a slow web server never holds this request long.
    budget_ends = time.monotonic() + settings.SCM_HTTP_TIMEOUT
    outcomes, handed_over = [], 0
    for domain in pending:
        if outcomes and time.monotonic() >= budget_ends:
            tasks.check_soon(domain)
            handed_over += 1
        else:
            outcomes.append(dcv.check_domain(domain.pk, force=True, unless_checked_within=recently))
    if handed_over:
        messages.info(request, f"{handed_over} more domains are being checked in the background.")
    elsewhere = {dcv.Outcome.BUSY, dcv.Outcome.RECENT}
    if dcv.Outcome.CHECKED not in outcomes and elsewhere & set(outcomes):
        # Pressed in another tab at the same moment: that check is running or just ran.
        message = "These domains are being checked right now: see the result below."
        return _refused(request, certificate, message, 409)
    certificate.refresh_from_db()
    if certificate.status != Status.PENDING_DOMAIN_VERIFICATION:
        messages.success(request, "Every domain is verified.")
    else:
        messages.warning(request, "Not verified yet: see the result next to each domain.")
    return redirect("certificates:detail", pk=pk)


@login_required
@require_POST
def domain_method(request: HttpRequest, pk: int, domain_pk: int) -> HttpResponse:
    """Switch how one domain is proven; for email, send the link to the chosen address."""
    certificate = _get_certificate_for_user(request, pk)
    domain = get_object_or_404(certificate.domains, pk=domain_pk, status=DomainStatus.PENDING)
    if certificate.status != Status.PENDING_DOMAIN_VERIFICATION:
        messages.error(request, "Domains can only be changed while they are being verified.")
        return redirect("certificates:detail", pk=pk)
    method = request.POST.get("method", "")
    try:
        if method not in Method.values:
            raise TransitionRefused("Choose DNS, file or email.")
        dcv.choose_method(
            domain,
            Method(method),
            request.POST.get("email_address", ""),
            base_url=request.build_absolute_uri("/"),
        )
    except limits.Limited as refused:
        return _too_soon(request, certificate, refused)
    except TransitionRefused as refused:
        messages.error(request, str(refused))
    else:
        sent = f": the link was sent to {domain.email_address}" if method == Method.EMAIL else ""
        messages.success(request, f"{domain.unicode_name} now uses {Method(method).label}{sent}.")
    return redirect(f"{reverse('certificates:detail', args=[pk])}#domain-{domain.pk}")


@require_http_methods(["GET", "POST"])
@sensitive_variables("token")
def verify_email_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link emailed to the domain's administrator; no login. GET asks, POST confirms,
    so mail scanners that open links do not confirm anything."""
    try:
        domain = dcv.confirm_link(token) if request.method == "POST" else dcv.domain_for_link(token)
    except dcv.LinkRefused as refused:
        context = {"error": str(refused)}
        return render(request, "certificates/verify_email.html", context, status=400)
    context = {"domain": domain, "confirmed": request.method == "POST"}
    return render(request, "certificates/verify_email.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_action(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    certificate = _get_certificate_for_user(request, pk)
    action = OWNER_ACTIONS.get(slug)
    if action is None:
        raise Http404("No such action.")
    data = request.POST if request.method == "POST" else None
    form = ActionForm(
        data, reason_required=action.reason_required, reason_codes=action.reason_codes
    )
    status = 200
    allowed = action.transition in certificate.owner_actions()
    if request.method == "POST" and not allowed:
        label = Certificate.transition_custom(action.transition)["label"]
        message = (
            f"“{label}” is not possible: the certificate is “{certificate.get_status_display()}”. "
            "Nothing was changed."
        )
        return _refused(request, certificate, message, 409)
    elif request.method == "POST" and form.is_valid():
        try:
            certificate.run_transition(action.transition, by=request.user, **form.cleaned_data)
        except TransitionRefused as refused:
            return _refused(request, certificate, str(refused), 409)
        else:
            messages.success(request, Certificate.transition_custom(action.transition)["done"])
            if certificate.status == Status.DELETED:
                return redirect("certificates:list")
            if certificate.status == Status.PENDING_APPLICATION:
                return redirect("certificates:apply", pk=certificate.pk)
            return redirect("certificates:detail", pk=certificate.pk)
    elif request.method == "POST":
        status = 400
    context = {
        "certificate": certificate,
        "action": action,
        "label": Certificate.transition_custom(action.transition)["label"],
        "form": form,
        "allowed": allowed,
        "domains": [unicode_form(name) for name in certificate.domain_names],
    }
    return render(request, "certificates/action.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_rename(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _get_certificate_for_user(request, pk)
    form = RenameForm(request.POST if request.method == "POST" else None, instance=certificate)
    if form.is_valid():
        certificate.rename(form.cleaned_data["name"])
        messages.success(request, f"Renamed to “{certificate.name}”.")
        return redirect("certificates:detail", pk=certificate.pk)
    status = 400 if request.method == "POST" else 200
    context = {"certificate": certificate, "form": form}
    return render(request, "certificates/rename.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_buy(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind")
    form = PurchaseForm(request.POST if kind == "ssl" else None)
    test_form = TestCertificateForm(request.POST if kind == "test" else None)
    if kind == "test" and test_form.is_valid():
        try:
            certificate = buy_test_certificate(request.user, test_form.cleaned_data["brand"])
        except QuotaExceeded as refused:
            test_form.add_error(None, str(refused))
        else:
            messages.success(request, "Test certificate created: fill in its application.")
            return redirect("certificates:apply", pk=certificate.pk)
    elif kind == "ssl" and form.is_valid():
        bought = buy(request.user, form.purchase())
        messages.success(
            request,
            "Bought 1 certificate: fill in its application."
            if len(bought) == 1
            else f"Bought {len(bought)} certificates: fill in each application.",
        )
        if len(bought) == 1:
            return redirect("certificates:apply", pk=bought[0].pk)
        return redirect(f"{reverse('certificates:list')}?status={Status.PENDING_APPLICATION}")
    if request.method == "POST" and kind not in ("ssl", "test"):
        messages.error(request, "Choose what to buy: an SSL certificate or a test certificate.")
    context = {
        "form": form,
        "choices": form.explained_choices(),
        "test_form": test_form,
        "test_left": test_certificates_left(request.user),
        "test_quota": settings.SCM_TEST_CERTIFICATE_QUOTA,
        "tab": "test" if kind == "test" or request.GET.get("tab") == "test" else "ssl",
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "certificates/buy.html", context, status=status)


def _organization(
    form: ApplicationForm, org_form: OrganizationForm | None, submitting: bool
) -> tuple[bool, Organization | None]:
    """(ok, organization): the one picked, or a new one entered (and saved) on the form."""
    chosen = form.cleaned_data.get("organization")
    if chosen or org_form is None:
        return True, chosen
    if not (submitting or org_form.has_changed()):
        return True, None
    if org_form.is_valid():
        return True, org_form.save()
    return False, None


@login_required
@require_http_methods(["GET", "POST"])
def certificate_apply(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _get_certificate_for_user(request, pk)
    if certificate.status != Status.PENDING_APPLICATION:
        messages.error(request, "This application was submitted: withdraw it to change it.")
        return redirect("certificates:detail", pk=certificate.pk)
    data = request.POST if request.method == "POST" else None
    submitting = "submit" in request.POST
    form = ApplicationForm(
        data,
        request.FILES or None,
        instance=certificate,
        submitting=submitting,
        too_large=uploads.too_large(request),
    )
    org_form = None
    if form.needs_organization:
        org_form = OrganizationForm(data, prefix="org", owner=request.user)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            ok, organization = _organization(form, org_form, submitting)
            try:
                if ok:
                    save_application(certificate, form.application(organization), submit=submitting)
                    for note in form.notes:
                        messages.info(request, note)
                    messages.success(request, "Submitted." if submitting else "Draft saved.")
                    return redirect(
                        "certificates:detail" if submitting else "certificates:apply", pk=pk
                    )
            except TransitionRefused as refused:
                return _refused(request, certificate, str(refused), 409)
    context = {"certificate": certificate, "form": form, "org_form": org_form}
    return render(request, "certificates/apply.html", context, status=status)


@login_required
@require_GET
def certificate_apply_check(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx, while typing: how the domains read, what is wrong, and the special words."""
    certificate = _get_certificate_for_user(request, pk)
    form = ApplicationForm(request.GET, instance=certificate)
    form.is_valid()
    context = {"certificate": certificate, "form": form}
    return render(request, "certificates/apply.html#domain-check", context)


@login_required
@require_GET
@sensitive_variables("key_pem", "archive")
def certificate_download(request: HttpRequest, pk: int, server: str) -> HttpResponse:
    """The owner's bundle for one server type, as <name>_<server>.zip (issued only)."""
    certificate = _get_certificate_for_user(request, pk)
    if server not in Server.values:
        raise Http404("No such server type.")
    if certificate.status != Status.ISSUED or not certificate.certificate_pem:
        messages.error(request, "Only issued certificates can be downloaded.")
        return redirect("certificates:detail", pk=pk)
    try:
        limits.download(request.user)
    except limits.Limited as refused:
        return _too_soon(request, certificate, refused)
    key_pem = private_key_pem(certificate)
    try:
        archive = bundles.build(
            Server(server),
            certificate_pem=certificate.certificate_pem,
            chain_pem=certificate.issuer.certificate_pem,
            key_pem=key_pem,
            name=certificate.name,
        )
    except bundles.BundleRefused as refused:
        messages.error(request, str(refused))
        return redirect("certificates:detail", pk=pk)
    DownloadRecord.objects.create(
        certificate=certificate, user=request.user, server=server, with_key=key_pem is not None
    )
    response = HttpResponse(archive, content_type="application/zip")
    filename = f"{slugify(certificate.name) or certificate.pk}_{server}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # it may hold a private key
    return response


@login_required
@require_http_methods(["GET", "POST"])
def certificate_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks; POST starts a new application with the same domains and organization."""
    certificate = _get_certificate_for_user(request, pk)
    if request.method == "POST":
        try:
            renewal = renew(certificate)
        except (TransitionRefused, QuotaExceeded) as refused:
            messages.error(request, str(refused))
            return redirect("certificates:detail", pk=pk)
        messages.success(request, f"Renewal of {certificate.name}: check the application.")
        return redirect("certificates:apply", pk=renewal.pk)
    now = timezone.now()
    _, new_end = certificate.renewal_validity(now)
    context = {
        "certificate": certificate,
        "test_left": test_certificates_left(request.user),
        "new_end": new_end,
        "new_days": round((new_end - now).total_seconds() / 86400),
        "time_zone": settings.TIME_ZONE,
    }
    return render(request, "certificates/renew.html", context)

import hashlib
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from certificates.choices import Status
from certificates.forms import TABS, ActionForm, ListFilterForm, RenameForm
from certificates.models import Certificate, TransitionRefused


@dataclass(frozen=True)
class OwnerAction:
    slug: str
    transition: str
    question: str
    reason_required: bool = False


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


def _operations(certificate: Certificate) -> list[tuple[str, str]]:
    """(label, url) of each action the owner can take on this certificate now."""
    return [
        (
            Certificate.transition_custom(name)["label"],
            reverse(f"certificates:{SLUG_OF[name]}", args=[certificate.pk]),
        )
        for name in sorted(certificate.owner_actions(), key=list(SLUG_OF).index)
    ]


def _fingerprint(rows: list[Certificate]) -> str:
    """Changes whenever a row on the page is added, removed or updated."""
    raw = "|".join(f"{c.pk}:{c.status}:{c.updated_at.timestamp()}" for c in rows)
    return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()


def _rows_context(rows: list[Certificate], filters: dict) -> dict:
    for certificate in rows:
        certificate.operations = _operations(certificate)
    polling = any(c.state.is_waiting_for_ca for c in rows)
    poll_query = urlencode({**{k: v for k, v in filters.items() if v}, "fp": _fingerprint(rows)})
    return {
        "rows": rows,
        "polling": polling,
        "poll_url": f"{reverse('certificates:list')}?{poll_query}",
        "poll_interval_ms": int(settings.SCM_POLL_INTERVAL * 1000),
    }


@require_GET
@vary_on_headers("HX-Request")
def certificate_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # A poll from a page whose session ended: send the whole page to the login form
        # instead of swapping the login form into the table.
        login = redirect_to_login(request.get_full_path())
        return HttpResponseClientRedirect(login.url) if request.htmx else login
    form = ListFilterForm(request.GET)
    filters = form.values()
    certificates = form.filter(Certificate.objects.for_user(request.user).with_domain_count())
    size = settings.SCM_PAGE_SIZE
    if request.htmx:
        # A poll: just this page's rows, no count; 204 when nothing on it changed.
        start = (filters["page"] - 1) * size
        rows = list(certificates[start : start + size])
        if request.GET.get("fp") == _fingerprint(rows):
            return HttpResponse(status=204)
        return render(request, "certificates/list.html#rows", _rows_context(rows, filters))

    page = Paginator(certificates, size).get_page(filters["page"])
    filters["page"] = page.number
    context = _rows_context(list(page.object_list), filters)
    context.update(form=form, filters=filters, page=page, tabs=TABS)
    return render(request, "certificates/list.html", context)


@login_required
@require_GET
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _get_certificate_for_user(request, pk)
    context = {
        "certificate": certificate,
        "domains": certificate.domains.all(),
        "log": certificate.log.select_related("actor"),
        "operations": _operations(certificate),
    }
    return render(request, "certificates/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_action(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    certificate = _get_certificate_for_user(request, pk)
    action = OWNER_ACTIONS.get(slug)
    if action is None:
        raise Http404("No such action.")
    data = request.POST if request.method == "POST" else None
    form = ActionForm(data, reason_required=action.reason_required)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            certificate.run_transition(
                action.transition, by=request.user, reason=form.cleaned_data["reason"]
            )
        except TransitionRefused as refused:
            messages.error(request, str(refused))
            status = 409
        else:
            messages.success(request, Certificate.transition_custom(action.transition)["done"])
            if certificate.status == Status.DELETED:
                return redirect("certificates:list")
            return redirect("certificates:detail", pk=certificate.pk)
    elif request.method == "POST":
        status = 400
    context = {
        "certificate": certificate,
        "action": action,
        "label": Certificate.transition_custom(action.transition)["label"],
        "form": form,
        "allowed": action.transition in certificate.owner_actions(),
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

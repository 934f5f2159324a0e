"""The owner's steps on a certificate: one confirmation page per step of the registry
(certificates/actions.py), renaming, renewing and downloading."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from certificates.actions import OWNER_ACTIONS
from certificates.choices import Server, Status
from certificates.domains import unicode_form
from certificates.exceptions import (
    BundleRefused,
    Limited,
    NotRenewable,
    QuotaExceeded,
    TransitionRefused,
)
from certificates.forms import ActionForm, RenameForm
from certificates.models.presenter import Shown
from certificates.models.rules import is_editable
from certificates.permissions import ACT, DOWNLOAD, DOWNLOAD_KEY, may
from certificates.services.downloads import bundle
from certificates.services.purchases import test_certificates_left
from certificates.services.renewals import renew, renewal_validity, renewed_key
from certificates.validity import days_valid
from certificates.views.common import certificate_for, refused, too_soon


@login_required
@require_http_methods(["GET", "POST"])
def certificate_action(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """GET asks the step's question (naming what it touches); POST takes the step."""
    certificate = certificate_for(request, pk, ACT)
    action = OWNER_ACTIONS.get(slug)
    if action is None:
        raise Http404("No such action.")
    data = request.POST if request.method == "POST" else None
    form = ActionForm(
        data, reason_required=action.reason_required, reason_codes=action.reason_codes
    )
    closed = certificate.owner_refusal(action.name)
    allowed = closed is None
    if request.method == "POST" and not allowed:
        return refused(request, certificate, closed, 409)
    if request.method == "POST" and form.is_valid():
        try:
            certificate.run_transition(action.name, by=request.user, **form.cleaned_data)
        except TransitionRefused as refusal:
            return refused(request, certificate, str(refusal), 409)
        messages.success(request, action.done)
        if certificate.status == Status.DELETED:
            return redirect("certificates:list")
        if is_editable(certificate):
            return redirect("certificates:apply", pk=certificate.pk)
        return redirect(certificate.detail_url)
    context = {
        "certificate": certificate,
        "action": action,
        "label": action.label,
        "form": form,
        "allowed": allowed,
        "domains": [unicode_form(name) for name in certificate.domain_names],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "certificates/action.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_rename(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = certificate_for(request, pk, ACT)
    form = RenameForm(request.POST if request.method == "POST" else None, instance=certificate)
    if form.is_valid():
        certificate.rename(form.cleaned_data["name"], by=request.user)
        messages.success(request, _("Renamed to “%(name)s”.") % {"name": certificate.name})
        return redirect(certificate.detail_url)
    status = 400 if request.method == "POST" else 200
    context = {"certificate": certificate, "form": form}
    return render(request, "certificates/rename.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows what the renewal will be; POST starts it (a new application)."""
    certificate = certificate_for(request, pk, ACT)
    if request.method == "POST":
        try:
            renewal = renew(certificate, by=request.user)
        except (NotRenewable, QuotaExceeded) as refusal:
            messages.error(request, str(refusal))
            return redirect(certificate.detail_url)
        messages.success(
            request, _("Renewal of %(name)s: check the application.") % {"name": certificate.name}
        )
        return redirect("certificates:apply", pk=renewal.pk)
    new_start, new_end = renewal_validity(certificate, timezone.now())
    context = {
        "certificate": certificate,
        "shown": Shown(certificate),
        "test_left": test_certificates_left(certificate.team_id),
        "new_end": new_end,
        "new_days": days_valid(new_start, new_end),
        "key": renewed_key(certificate),
        "time_zone": settings.TIME_ZONE,
    }
    return render(request, "certificates/renew.html", context)


@login_required
@require_GET
def certificate_download(request: HttpRequest, pk: int, server: str) -> HttpResponse:
    """A bundle for one server type, as <name>_<server>.zip (issued only); with the private
    key the console made only for a role that may have it."""
    certificate = certificate_for(request, pk, DOWNLOAD)
    if server not in Server.values:
        raise Http404("No such server type.")
    with_key = may(certificate.viewer_role, DOWNLOAD_KEY)
    try:
        made = bundle(certificate, Server(server), request.user, with_key=with_key)
    except Limited as limited:
        return too_soon(request, certificate, limited)
    except BundleRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(certificate.detail_url)
    response = HttpResponse(made.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    response["Cache-Control"] = "no-store"  # it may hold a private key
    return response

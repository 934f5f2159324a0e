"""Buying certificates and filling in their applications (SPEC §4), with the domains
checked while they are typed."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certificates import uploads
from certificates.choices import Status
from certificates.exceptions import NotEditable, QuotaExceeded, TransitionRefused
from certificates.forms import ApplicationForm, OrganizationForm, PurchaseForm, TestCertificateForm
from certificates.models import Organization
from certificates.models.rules import is_editable
from certificates.permissions import ACT
from certificates.services.applications import NOT_EDITABLE, save_application
from certificates.services.purchases import buy, buy_test_certificate, test_certificates_left
from certificates.views.common import certificate_for, refused
from teams import session


@login_required
@require_http_methods(["GET", "POST"])
def certificate_buy(request: HttpRequest) -> HttpResponse:
    """Buy for the team one works in (FullAccess or Administrator)."""
    team = session.require(request, ACT).team
    kind = request.POST.get("kind")
    form = PurchaseForm(request.POST if kind == "ssl" else None)
    test_form = TestCertificateForm(request.POST if kind == "test" else None)
    if kind == "test" and test_form.is_valid():
        try:
            certificate = buy_test_certificate(team, request.user, test_form.cleaned_data["brand"])
        except QuotaExceeded as refusal:
            test_form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Test certificate created: fill in its application."))
            return redirect("certificates:apply", pk=certificate.pk)
    elif kind == "ssl" and form.is_valid():
        bought = buy(team, request.user, form.purchase())
        messages.success(
            request,
            _("Bought 1 certificate: fill in its application.")
            if len(bought) == 1
            else _("Bought %(count)d certificates: fill in each application.")
            % {"count": len(bought)},
        )
        if len(bought) == 1:
            return redirect("certificates:apply", pk=bought[0].pk)
        return redirect(f"{reverse('certificates:list')}?status={Status.PENDING_APPLICATION}")
    if request.method == "POST" and kind not in ("ssl", "test"):
        messages.error(request, _("Choose what to buy: an SSL certificate or a test certificate."))
    context = {
        "form": form,
        "choices": form.explained_choices(),
        "test_form": test_form,
        "team": team,
        "test_left": test_certificates_left(team.pk),
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
    if org_form.is_valid() and (saved := org_form.save_new()) is not None:
        return True, saved
    return False, None


@login_required
@require_http_methods(["GET", "POST"])
def certificate_apply(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = certificate_for(request, pk, ACT)
    if not is_editable(certificate):
        messages.error(request, NOT_EDITABLE)
        return redirect(certificate.detail_url)
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
        org_form = OrganizationForm(data, prefix="org", team=certificate.team)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            ok, organization = _organization(form, org_form, submitting)
            try:
                if ok:
                    save_application(
                        certificate,
                        form.application(organization),
                        submit=submitting,
                        by=request.user,
                    )
                    for note in form.notes:
                        messages.info(request, note)
                    messages.success(request, _("Submitted.") if submitting else _("Draft saved."))
                    return redirect(
                        "certificates:detail" if submitting else "certificates:apply", pk=pk
                    )
            except (NotEditable, TransitionRefused) as refusal:
                return refused(request, certificate, str(refusal), 409)
    context = {"certificate": certificate, "form": form, "org_form": org_form}
    return render(request, "certificates/apply.html", context, status=status)


@login_required
@require_GET
def certificate_apply_check(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx, while typing: how the domains read, what is wrong, and the special words."""
    certificate = certificate_for(request, pk, ACT)
    form = ApplicationForm(request.GET, instance=certificate)
    form.is_valid()
    context = {"certificate": certificate, "form": form}
    return render(request, "certificates/apply.html#domain-check", context)


@login_required
@require_POST
def certificate_apply_csr(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx, once a CSR is pasted or chosen: the domains section with the CSR's names filled
    in (and said so), or what is wrong with the CSR; saves nothing."""
    certificate = certificate_for(request, pk, ACT)
    if not is_editable(certificate):
        return refused(request, certificate, NOT_EDITABLE, 409)
    form = ApplicationForm(
        request.POST,
        request.FILES or None,
        instance=certificate,
        too_large=uploads.too_large(request),
    )
    form.is_valid()
    context = {"certificate": certificate, "form": form, "csr_check": True}
    return render(request, "certificates/apply.html#domains", context)

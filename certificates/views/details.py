"""A certificate's page (SPEC §7): status, domains and timeline refreshed live while the CA
or the system can move it on, and the verification of its domains (Verify now, switching
methods, the emailed link)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from certificates import tasks
from certificates.choices import DomainStatus, Method, Status
from certificates.exceptions import (
    Limited,
    LinkRefused,
    MethodRefused,
    NothingToVerify,
    VerifyingElsewhere,
)
from certificates.models.presenter import live_fingerprint
from certificates.permissions import ACT
from certificates.services import domain_methods
from certificates.services.verifying import verify_now
from certificates.views.common import certificate_for, detail_context, refused, too_soon


@login_required
@require_GET
@vary_on_headers("HX-Request")
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The details page; polled by htmx while the certificate can move on: 204 while
    nothing it shows changed, else the page's live part."""
    certificate = certificate_for(request, pk)
    if request.htmx:
        if request.GET.get("fp") == live_fingerprint(certificate):
            return HttpResponse(status=204)
        return render(request, "certificates/detail.html#live", detail_context(certificate))
    return render(request, "certificates/detail.html", detail_context(certificate))


@login_required
@require_POST
def certificate_verify_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Check every pending domain at once, instead of waiting for the worker."""
    certificate = certificate_for(request, pk, ACT)
    try:
        verified = verify_now(certificate, hand_over=tasks.check_soon)
    except NothingToVerify as refusal:
        messages.error(request, str(refusal))
        return redirect("certificates:detail", pk=pk)
    except Limited as limited:
        return too_soon(request, certificate, limited)
    except VerifyingElsewhere as refusal:
        return refused(request, certificate, str(refusal), 409)
    if verified.handed_over:
        messages.info(
            request,
            ngettext(
                "%(count)d more domain is being checked in the background.",
                "%(count)d more domains are being checked in the background.",
                verified.handed_over,
            )
            % {"count": verified.handed_over},
        )
    if verified.done:
        messages.success(request, _("Every domain is verified."))
    else:
        messages.warning(request, _("Not verified yet: see the result next to each domain."))
    return redirect("certificates:detail", pk=pk)


@login_required
@require_POST
def domain_method(request: HttpRequest, pk: int, domain_pk: int) -> HttpResponse:
    """Switch how one domain is proven; for email, send the link to the chosen address."""
    certificate = certificate_for(request, pk, ACT)
    domain = get_object_or_404(certificate.domains, pk=domain_pk, status=DomainStatus.PENDING)
    if certificate.status != Status.PENDING_DOMAIN_VERIFICATION:
        messages.error(request, _("Domains can only be changed while they are being verified."))
        return redirect("certificates:detail", pk=pk)
    method = request.POST.get("method", "")
    try:
        if method not in Method.values:
            raise MethodRefused(_("Choose DNS, file or email."))
        domain_methods.choose_method(
            domain,
            Method(method),
            request.POST.get("email_address", ""),
            by=request.user,
        )
    except Limited as limited:
        return too_soon(request, certificate, limited)
    except MethodRefused as refusal:
        messages.error(request, str(refusal))
    else:
        facts = {"domain": domain.unicode_name, "method": Method(method).label}
        if method == Method.EMAIL:
            facts["address"] = domain.email_address
            done = _("%(domain)s now uses %(method)s: the link was sent to %(address)s.")
        else:
            done = _("%(domain)s now uses %(method)s.")
        messages.success(request, done % facts)
    return redirect(f"{reverse('certificates:detail', args=[pk])}#domain-{domain.pk}")


@require_http_methods(["GET", "POST"])
@sensitive_variables("token")
def verify_email_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link emailed to the domain's administrator; no login. GET asks, POST confirms,
    so mail scanners that open links do not confirm anything."""
    try:
        found = (
            domain_methods.confirm_link
            if request.method == "POST"
            else domain_methods.domain_for_link
        )
        domain = found(token)
    except LinkRefused as refusal:
        context = {"error": str(refusal)}
        return render(request, "certificates/verify_email.html", context, status=400)
    context = {"domain": domain, "confirmed": request.method == "POST"}
    return render(request, "certificates/verify_email.html", context)

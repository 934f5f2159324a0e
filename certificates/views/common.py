"""What the console's views share: finding a certificate of the signed-in member's teams
(404 for anyone else's, 403 for an operation their role does not allow), the links of the
steps their role may take, the details page's context, and how a refusal is answered."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from certificates.ca import bundles
from certificates.choices import CsrSource, Server, Status
from certificates.exceptions import Limited
from certificates.models import AcmeAccount, Certificate
from certificates.models.presenter import Shown, live_fingerprint, owner_steps, timeline
from certificates.models.records import DOWNLOADS
from certificates.permissions import ACT, DOWNLOAD_KEY, VIEW, may, refusal


def certificate_for(request: HttpRequest, pk: int, operation: str = VIEW) -> Certificate:
    """A certificate of one of the signed-in user's teams, with `viewer_role` (their role in
    its team); 404 for a certificate of any other team, 403 — saying which role it takes —
    when their role does not allow `operation` (permissions.NEEDS)."""
    certificate = get_object_or_404(
        Certificate.objects.visible_to(request.user).select_related("team"), pk=pk
    )
    if not may(certificate.viewer_role, operation):
        raise PermissionDenied(refusal(certificate.viewer_role, operation, certificate.team.name))
    return certificate


def _path(name: str, pk: int) -> str:
    return reverse(name, args=[pk])


def step_links(
    certificate: Certificate, path: Callable[[str, int], str] = _path
) -> list[tuple[str, str]]:
    """(label, url) of each step the viewer's role (`viewer_role`) may take on this
    certificate now; none for ReadOnly."""
    return [
        (label, path(f"certificates:{name}", certificate.pk))
        for name, label in owner_steps(certificate, certificate.viewer_role)
    ]


def detail_context(certificate: Certificate) -> dict:
    polling = certificate.state.is_waiting_for_ca
    return {
        "certificate": certificate,
        "shown": Shown(certificate),
        "domains": certificate.domains.all(),
        "timeline": timeline(certificate),
        "calls": certificate.contact_attempts.all(),
        "operations": step_links(certificate),
        "verifying": certificate.status == Status.PENDING_DOMAIN_VERIFICATION,
        "acme_account": _acme_account(certificate),
        "deadline_days": settings.SCM_VERIFICATION_DEADLINE_DAYS,
        "servers": _servers(certificate),
        "may_act": may(certificate.viewer_role, ACT),
        "may_key": may(certificate.viewer_role, DOWNLOAD_KEY),
        "downloads": certificate.records.filter(action__in=DOWNLOADS).order_by("at", "pk"),
        "polling": polling,
        "poll_url": f"{certificate.detail_url}?fp={live_fingerprint(certificate)}"
        if polling
        else "",
        "poll_interval_ms": int(settings.SCM_POLL_INTERVAL * 1000),
    }


def _acme_account(certificate: Certificate) -> AcmeAccount | None:
    """The ACME account that ordered this certificate, or None (ordered in the console)."""
    if certificate.csr_source != CsrSource.ACME:
        return None
    return AcmeAccount.objects.filter(orders__certificate=certificate).first()


def _servers(certificate: Certificate) -> list[tuple[Server, str]]:
    """(server, why it is unavailable to the viewer, or "") of each bundle the details page
    offers. A keystore is not offered at all for a key the applicant kept: no one can have
    it from the console (the page says how to build one)."""
    offered = [(server, _unavailable(certificate, server)) for server in Server]
    return [(server, why) for server, why in offered if why != "own key"]


def _unavailable(certificate: Certificate, server: Server) -> str:
    """Why this server's bundle cannot be downloaded by the viewer, or "" when it can."""
    if not bundles.needs_key(server):
        return ""
    if not certificate.private_key:
        return "own key"
    if not may(certificate.viewer_role, DOWNLOAD_KEY):
        return "role"
    return ""


def refused(request: HttpRequest, certificate: Certificate, message: str, status: int):
    """A refused browser POST: the details page says why, after a redirect (reloading it
    posts nothing again); htmx requests get the status itself."""
    if request.htmx:
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect(certificate.detail_url)


def too_soon(request: HttpRequest, certificate: Certificate, limited: Limited):
    """Refused for now: the message says when to try again. A browser's POST is sent back
    to the details page; htmx requests (and the API) get 429 with Retry-After, and so does a
    download link (a GET), on the details page."""
    if request.method == "POST" and not request.htmx:
        messages.warning(request, str(limited))
        return redirect(certificate.detail_url)
    if request.htmx:
        response = HttpResponse(str(limited), content_type="text/plain; charset=utf-8")
    else:
        messages.warning(request, str(limited))
        response = render(request, "certificates/detail.html", detail_context(certificate))
    response.status_code = 429
    response["Retry-After"] = str(limited.retry_after)
    return response

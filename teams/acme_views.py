"""The team's ACME page (SPEC §11): FullAccess members and Administrators make External
Account Binding keys (the HMAC key shown once, on the page the POST redirects to), see the
ACME accounts made with them, their contacts and last use, and deactivate an account."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certificates.exceptions import AcmeKeyRefused, AcmeRefused
from certificates.models import AcmeAccount, AcmeAccountKey
from certificates.permissions import MANAGE_ACME
from certificates.services import acme_accounts
from teams import session

SHOWN_ONCE = "scm_new_acme_key"  # the new key's HMAC key, in the session until it is shown


@login_required
@require_http_methods(["GET", "POST"])
def acme_page(request: HttpRequest) -> HttpResponse:
    team = session.require(request, MANAGE_ACME).team
    if request.method == "POST":
        try:
            key, hmac = acme_accounts.create_key(team, by=request.user)
        except AcmeKeyRefused as refusal:
            messages.error(request, str(refusal))
        else:
            request.session[SHOWN_ONCE] = {"id": key.pk, "key_id": key.key_id, "hmac": hmac}
        return redirect("teams:acme")
    context = {
        "team": team,
        # For a client on another machine: the console's public address, not this Host.
        "directory": settings.SCM_PUBLIC_URL + reverse("acme:directory"),
        "http_port": settings.SCM_HTTP_VALIDATION_PORT,  # where http-01 answers are fetched
        "new": request.session.pop(SHOWN_ONCE, None),
        "keys": AcmeAccountKey.objects.filter(team=team, used_at__isnull=True).select_related(
            "created_by"
        ),
        "accounts": AcmeAccount.objects.filter(team=team).select_related("binding__created_by"),
    }
    response = render(request, "teams/acme.html", context)
    response["Cache-Control"] = "private, no-store"  # it may show a secret
    return response


@login_required
@require_POST
def acme_key_delete(request: HttpRequest, pk: int) -> HttpResponse:
    team = session.require(request, MANAGE_ACME).team
    key = AcmeAccountKey.objects.filter(pk=pk, team=team).first()
    if key is None:
        raise Http404("No such ACME key.")
    try:
        acme_accounts.delete_key(key, by=request.user)
    except AcmeKeyRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("The ACME key %(key_id)s is deleted: it no longer works.") % {"key_id": key.key_id},
        )
    return redirect("teams:acme")


@login_required
@require_POST
def acme_account_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    team = session.require(request, MANAGE_ACME).team
    account = AcmeAccount.objects.filter(pk=pk, team=team).first()
    if account is None:
        raise Http404("No such ACME account.")
    try:
        acme_accounts.deactivate(account, by=request.user)
    except AcmeRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("%(account)s is deactivated: its client can do nothing more.")
            % {"account": account.label},
        )
    return redirect("teams:acme")

"""The API tokens page (SPEC §10): every member makes tokens for the team they work in, with
a role no higher than theirs; the token is shown once, on the page the POST redirects to.
Each sees and revokes their own tokens; an Administrator, every member's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certificates.permissions import VIEW
from teams import session
from teams.forms import TokenForm
from teams.models import ApiToken
from teams.roles import Role
from teams.tokens import TokenRefused, create_token, may_manage, revoke_token

SHOWN_ONCE = "scm_new_token"  # the new token's secret, in the session until it is shown


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    mine = session.require(request, VIEW)
    team, role = mine.team, Role(mine.role)
    form = TokenForm(request.POST if request.method == "POST" else None, highest=role)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            expires = form.cleaned_data["expires"]
            try:
                token, raw = create_token(
                    team,
                    form.cleaned_data["name"],
                    Role(form.cleaned_data["role"]),
                    by=request.user,
                    expires_days=int(expires) if expires else None,
                )
            except TokenRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                request.session[SHOWN_ONCE] = {"id": token.pk, "secret": raw}
                return redirect("teams:tokens")
    listed = team.api_tokens.select_related("created_by")
    if role != Role.ADMINISTRATOR:
        listed = listed.filter(created_by=request.user)
    context = {
        "team": team,
        "form": form,
        "tokens": listed,
        "new": request.session.pop(SHOWN_ONCE, None),
        "all_members": role == Role.ADMINISTRATOR,
    }
    response = render(request, "teams/tokens.html", context, status=status)
    response["Cache-Control"] = "private, no-store"  # it may show a secret
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    mine = session.require(request, VIEW)
    token = ApiToken.objects.filter(pk=pk, team=mine.team).first()
    if token is None or not may_manage(token, request.user):
        raise Http404("No such token.")
    try:
        revoke_token(token, by=request.user)
    except TokenRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, _("API token %(name)s is revoked: it no longer works.") % {"name": token.name}
        )
    return redirect("teams:tokens")

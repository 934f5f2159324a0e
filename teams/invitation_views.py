"""One's own invitations: the teams that invited one, to accept or decline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from teams import invitations, session
from teams.models import Invitation
from teams.services import MembershipRefused


@login_required
@require_GET
def invitation_list(request: HttpRequest) -> HttpResponse:
    """The invitations waiting for the signed-in user."""
    waiting = Invitation.objects.addressed_to(request.user).select_related("team", "invited_by")
    return render(request, "teams/invitations.html", {"waiting": waiting})


def _mine(request: HttpRequest, pk: int) -> Invitation:
    found = Invitation.objects.addressed_to(request.user).select_related("team").filter(pk=pk)
    invitation = found.first()
    if invitation is None:
        raise Http404("No such invitation: it may have been revoked meanwhile.")
    return invitation


@login_required
@require_POST
def invitation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Join the inviting team, and work in it from now on."""
    invitation = _mine(request, pk)
    try:
        joined = invitations.accept(invitation, user=request.user)
    except MembershipRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("teams:invitations")
    session.remember(request, joined)
    messages.success(
        request,
        _("You joined %(team)s as %(role)s: you work in it now.")
        % {"team": joined.team.name, "role": joined.get_role_display()},
    )
    return redirect("certificates:list")


@login_required
@require_POST
def invitation_decline(request: HttpRequest, pk: int) -> HttpResponse:
    """Say no to an invitation."""
    invitation = _mine(request, pk)
    try:
        invitations.decline(invitation, user=request.user)
    except MembershipRefused as refusal:
        messages.error(request, str(refusal))
    else:
        session.remember(request, session.membership(request))  # the header's count
        messages.success(
            request, _("You declined the invitation to %(team)s.") % {"team": invitation.team.name}
        )
    return redirect("teams:invitations")

"""Teams in the console: switching the team one works in, and the members page, where an
Administrator invites people, changes members' roles and removes members."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certificates.permissions import MANAGE_MEMBERS
from teams import invitations, session
from teams.forms import InviteForm, RoleForm, SwitchTeamForm
from teams.models import Invitation, Membership
from teams.roles import Role
from teams.services import MembershipRefused, change_role, remove_member


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Work in another of one's teams."""
    form = SwitchTeamForm(request.POST)
    chosen = None
    if form.is_valid():
        chosen = (
            Membership.objects.filter(user=request.user, team_id=form.cleaned_data["team"])
            .select_related("team", "user")
            .first()
        )
    if chosen is None:
        raise Http404("Not a member of that team.")
    session.remember(request, chosen)
    messages.success(request, _("You now work in %(team)s.") % {"team": chosen.team.name})
    return redirect("certificates:list")


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest) -> HttpResponse:
    """The current team's members and pending invitations; an Administrator's page."""
    mine = session.require(request, MANAGE_MEMBERS)
    team = mine.team
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        typed, role = form.cleaned_data["username"], Role(form.cleaned_data["role"])
        try:
            invitations.invite(team, typed, role, by=request.user)
        except MembershipRefused as refusal:
            form.add_error("username", str(refusal))
        else:
            # The same words whether or not such a user exists: no probing for accounts.
            messages.success(request, invitations.sent_message(typed, role))
            return redirect("teams:members")
    context = {
        "team": team,
        "form": form,
        "members": team.memberships.select_related("user").order_by("user__username"),
        "invitations": team.invitations.select_related("invited_by"),
        "roles": [(role, role.explained) for role in Role],
    }
    return render(request, "teams/members.html", context, status=400 if form.is_bound else 200)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Take back a pending invitation of the current team."""
    mine = session.require(request, MANAGE_MEMBERS)
    found = Invitation.objects.filter(team=mine.team, pk=pk).select_related("team").first()
    if found is None:
        raise Http404("No such invitation.")
    try:
        invitations.revoke(found, by=request.user)
    except MembershipRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("The invitation for “%(username)s” was revoked.") % {"username": found.username},
        )
    return redirect("teams:members")


def _member(request: HttpRequest, pk: int) -> Membership:
    mine = session.require(request, MANAGE_MEMBERS)
    found = mine.team.memberships.select_related("user", "team").filter(pk=pk).first()
    if found is None:
        raise Http404("No such member.")
    return found


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        roles = {role.value: role.label for role in Role}
        messages.error(
            request, _("Choose %(administrator)s, %(full_access)s or %(read_only)s.") % roles
        )
        return redirect("teams:members")
    try:
        changed = change_role(member, Role(form.cleaned_data["role"]), by=request.user)
    except MembershipRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("%(username)s is now %(role)s.")
            % {"username": member.user.get_username(), "role": changed.get_role_display()},
        )
    return redirect("teams:members")


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first (a page of its own, so it works without JavaScript), then remove."""
    member = _member(request, pk)
    if request.method == "GET":
        return render(request, "teams/member_remove.html", {"member": member})
    try:
        remove_member(member, by=request.user)
    except MembershipRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("teams:members")
    messages.success(
        request,
        _("%(username)s was removed from %(team)s.")
        % {"username": member.user.get_username(), "team": member.team.name},
    )
    if member.user_id == request.user.pk:
        request.session.pop(session.KEY, None)  # one's own way out: another team next
        return redirect("certificates:list")
    return redirect("teams:members")

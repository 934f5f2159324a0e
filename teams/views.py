"""Teams in the console: switching the team one works in, and the members page, where an
Administrator adds members, changes their roles and removes them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from certificates.permissions import MANAGE_MEMBERS
from teams import session
from teams.forms import AddMemberForm, RoleForm, SwitchTeamForm
from teams.models import Membership
from teams.roles import Role
from teams.services import MembershipRefused, add_member, change_role, remove_member


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
    messages.success(request, f"You now work in {chosen.team.name}.")
    return redirect("certificates:list")


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest) -> HttpResponse:
    """The current team's members; an Administrator's page."""
    mine = session.require(request, MANAGE_MEMBERS)
    team = mine.team
    form = AddMemberForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                added = add_member(
                    team, form.cleaned_data["username"], form.cleaned_data["role"], by=request.user
                )
            except MembershipRefused as refusal:
                form.add_error("username", str(refusal))
            else:
                messages.success(
                    request,
                    f"{added.user.get_username()} is now a member, as {added.get_role_display()}.",
                )
                return redirect("teams:members")
    context = {
        "team": team,
        "form": form,
        "members": team.memberships.select_related("user").order_by("user__username"),
        "roles": [(role, role.explained) for role in Role],
    }
    return render(request, "teams/members.html", context, status=status)


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
        messages.error(request, "Choose Administrator, FullAccess or ReadOnly.")
        return redirect("teams:members")
    try:
        changed = change_role(member, Role(form.cleaned_data["role"]), by=request.user)
    except MembershipRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, f"{member.user.get_username()} is now {changed.get_role_display()}."
        )
    return redirect("teams:members")


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    try:
        remove_member(member, by=request.user)
    except MembershipRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("teams:members")
    messages.success(request, f"{member.user.get_username()} was removed from {member.team.name}.")
    if member.user_id == request.user.pk:
        request.session.pop(session.KEY, None)  # one's own way out: another team next
        return redirect("certificates:list")
    return redirect("teams:members")

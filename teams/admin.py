"""Teams in the admin: for the CA's staff to look up who is in a team and with which role.
Read-only: members are added, changed and removed by a team's Administrators in the console
(teams/services.py), where the last Administrator is kept and every change is recorded."""

from django.contrib import admin

from certificates.admin.log import ReadOnly
from teams.models import Invitation, Membership, Team


class MembershipInline(ReadOnly, admin.TabularInline):
    model = Membership
    fields = readonly_fields = ("user", "role", "created_at")
    extra = 0


class InvitationInline(ReadOnly, admin.TabularInline):
    """Invitations waiting for an answer, as the team's Administrators typed them."""

    model = Invitation
    fields = readonly_fields = ("username", "role", "invited_by", "created_at")
    extra = 0


@admin.register(Team)
class TeamAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name", "memberships__user__username")
    show_full_result_count = False
    inlines = [MembershipInline, InvitationInline]

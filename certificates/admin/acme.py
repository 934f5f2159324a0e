"""ACME accounts in the admin: for the CA's staff to look up which account ordered what, its
team, contact and key. Read-only: a team's members deactivate their accounts on the team's
ACME page, and the client itself through ACME (services/acme_accounts.py)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from certificates.admin.log import ReadOnly
from certificates.admin.titles import Titled
from certificates.models import AcmeAccount, AcmeOrder


class AcmeOrderInline(ReadOnly, admin.TabularInline):
    model = AcmeOrder
    fields = readonly_fields = ("certificate", "identifiers", "created_at", "expires_at")
    extra = 0
    show_change_link = False


@admin.register(AcmeAccount)
class AcmeAccountAdmin(Titled, ReadOnly, admin.ModelAdmin):
    list_title = _("Choose an ACME account")
    object_title = _("ACME account")
    list_display = ("__str__", "team", "status", "created_at", "last_used_at")
    list_filter = ("status",)
    search_fields = ("=id", "thumbprint", "team__name")
    list_select_related = ("team",)
    show_full_result_count = False
    fields = readonly_fields = (
        "team",
        "status",
        "contact",
        "thumbprint",
        "jwk",
        "binding",
        "created_at",
        "last_used_at",
        "deactivated_at",
    )
    inlines = [AcmeOrderInline]

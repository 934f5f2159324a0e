"""The transition log in the admin: read-only, for audit."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from certificates.models import TransitionLog


@admin.register(TransitionLog)
class TransitionLogAdmin(admin.ModelAdmin):
    list_display = ("at", "certificate", "summary", "source", "target", "actor", "reason")
    list_filter = ("transition", "target")
    list_select_related = ("certificate", "actor")
    search_fields = ("certificate__name", "actor__username", "reason")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

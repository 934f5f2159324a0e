"""The transition log and the operation records in the admin: read-only, for audit."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from certificates.models import Record, TransitionLog


class ReadOnly:
    """An admin page (or inline) that shows and never adds, changes or deletes."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("at", "certificate", "summary", "source", "target", "actor", "reason")
    list_filter = ("transition", "target")
    list_select_related = ("certificate", "actor")
    search_fields = ("certificate__name", "actor__username", "reason")
    show_full_result_count = False


@admin.register(Record)
class RecordAdmin(ReadOnly, admin.ModelAdmin):
    """The teams' operation records, for the CA's own audits: read-only, as in the console
    (records are append-only; nobody edits or deletes one)."""

    list_display = ("at", "team", "actor_name", "label", "certificate_label", "source", "target")
    list_filter = ("action",)
    list_select_related = ("team",)
    search_fields = ("team__name", "actor_name", "certificate_label")
    show_full_result_count = False
    ordering = ("-at", "-id")

"""The transition log and the operation records in the admin: read-only, for audit."""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest

from certificates.admin.scale import BoundedListAdmin
from certificates.models import Record, SearchKey, TransitionLog
from teams.models import Team


class ReadOnly:
    """An admin page (or inline) that shows and never adds, changes or deletes."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def certificates_found(term: str) -> Q:
    """The entries of the certificates the console's search finds (their search keys,
    certificates/search.py: one index range) or of the certificate with that ID."""
    found = Q(certificate_id__in=SearchKey.matching(term))
    if term.isdigit() and len(term) <= 18:
        found |= Q(certificate_id=int(term))
    return found


def named(model: Any, term: str) -> Any:
    """The ids of the users (or teams) of exactly that name: an indexed lookup."""
    field = "username" if model is not Team else "name"
    return model.objects.filter(**{f"{field}__iexact": term}).values("pk")


class AuditListAdmin(ReadOnly, BoundedListAdmin):
    search_help_text = (
        "The start of a certificate's name or domain, or of any word or label in them; its "
        "ID; or a user's exact username."
    )
    sortable_by = ()  # newest first: the one order an index keeps for every filter
    ordering = ("-at", "-id")

    def get_search_results(
        self, request: HttpRequest, queryset: Any, search_term: str
    ) -> tuple[Any, bool]:
        # Instead of the stock OR of substring matches over joins, which reads every row.
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(self.found_by(term)), False

    def found_by(self, term: str) -> Q:
        return certificates_found(term) | Q(actor__in=named(get_user_model(), term))


@admin.register(TransitionLog)
class TransitionLogAdmin(AuditListAdmin):
    list_display = ("at", "certificate", "summary", "source", "target", "actor", "reason")
    list_filter = ("transition", "target")
    list_select_related = ("certificate", "actor")
    search_fields = ("certificate", "actor")  # searched by found_by()


@admin.register(Record)
class RecordAdmin(AuditListAdmin):
    """The teams' operation records, for the CA's own audits: read-only, as in the console
    (records are append-only; nobody edits or deletes one)."""

    list_display = ("at", "team", "actor_name", "label", "certificate_label", "source", "target")
    list_filter = ("action",)
    list_select_related = ("team",)
    search_fields = ("certificate", "actor", "team")  # searched by found_by()
    search_help_text = (
        "The start of a certificate's name or domain, or of any word or label in them; its "
        "ID; or a member's exact username, or a team's exact name."
    )

    def found_by(self, term: str) -> Q:
        return super().found_by(term) | Q(team__in=named(Team, term))

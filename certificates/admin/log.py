"""The operation records in the admin, and the transition log (their state changes):
read-only, for audit."""

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from certificates.actions import STAFF_EDIT, done_wording, record_choices
from certificates.admin.scale import BoundedListAdmin
from certificates.admin.titles import Titled
from certificates.models import Certificate, Record, SearchKey, StateChange
from certificates.models.querysets import id_in
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
    certificates/prefixes.py: one index range) or of the certificate with that ID."""
    found = Q(certificate_id__in=SearchKey.matching(term))
    if (number := id_in(term)) is not None:
        found |= Q(certificate_id=number)
    return found


def named(model: Any, term: str) -> list[int]:
    """The ids of the users (or teams) of exactly that name, looked up first: an OR with a
    subquery for them would keep the database from reading the entries of the certificates
    found through their index (PostgreSQL read the whole log, 1M rows, for each search)."""
    field = "username" if model is not Team else "name"
    return list(model.objects.filter(**{f"{field}__iexact": term}).values_list("pk", flat=True))


def choices_filter(field: str, title: str, choices: Callable[[], list[tuple[str, str]]]) -> type:
    """A list filter with known choices (worked out per request, in the reader's language):
    the stock one for a plain column reads every row for its distinct values."""

    class Filter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
            return choices()

        def queryset(self, request: HttpRequest, queryset: Any) -> Any:
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    Filter.title = title
    return Filter


class AuditListAdmin(Titled, ReadOnly, BoundedListAdmin):
    search_help_text = _(
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
        found = certificates_found(term)
        if users := named(get_user_model(), term):
            found |= Q(actor__in=users)
        return found


TRANSITION_NAMES = {
    t.name for t in Certificate._meta.get_field("status").get_all_transitions(Certificate)
}


@admin.register(StateChange)
class StateChangeAdmin(AuditListAdmin):
    """The operation records of state changes, with the staff member who took each step."""

    list_title = _("Transition log: every state change, newest first")
    object_title = _("Transition log entry")
    list_display = ("at", "certificate", "summary", "source", "target", "who", "detail")
    list_filter = (
        choices_filter(
            "action",
            _("step"),
            lambda: [
                (name, done_wording(name)) for name in (*sorted(TRANSITION_NAMES), STAFF_EDIT)
            ],
        ),
        "target",
    )
    list_select_related = ("certificate",)
    search_fields = ("certificate", "actor")  # searched by found_by()


@admin.register(Record)
class RecordAdmin(AuditListAdmin):
    """The teams' operation records, for the CA's own audits: read-only, as in the console
    (records are append-only; nobody edits or deletes one)."""

    list_title = _("Operation records of every team, newest first")
    object_title = _("Operation record")

    list_display = ("at", "team", "actor_name", "label", "certificate_label", "source", "target")
    list_filter = (choices_filter("action", _("action"), record_choices),)
    list_select_related = ("team",)
    search_fields = ("certificate", "actor", "team")  # searched by found_by()
    search_help_text = _(
        "The start of a certificate's name or domain, or of any word or label in them; its "
        "ID; or a member's exact username, or a team's exact name."
    )

    def found_by(self, term: str) -> Q:
        found = super().found_by(term)
        if teams := named(Team, term):
            found |= Q(team__in=teams)
        return found

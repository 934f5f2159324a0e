"""Admin lists that cost at a million rows what they cost at a thousand: the stock
changelist counts every row the filters keep (twice, unless told not to) and reads a deep
page with OFFSET, which walks every row before it. Here the count stops at
pagination.COUNT_LIMIT ("more than 1,000") and pages follow a cursor ("Older", "Newer"),
in the admin's ordering of plain columns, each an index range (`make bench` times both).
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.http import HttpRequest

from certificates import pagination

AFTER_VAR, BEFORE_VAR = "after", "before"


class BoundedChangeList(ChangeList):
    """A changelist with a bounded count and keyset pages (see the module's docstring)."""

    keyset = True

    def get_filters_params(self, params: Any = None) -> dict:
        lookup = super().get_filters_params(params)
        for name in (AFTER_VAR, BEFORE_VAR):
            lookup.pop(name, None)
        return lookup

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> Any:
        # A cursor is no filter, and a new filter or search starts at the first page. The
        # admin's order is the one its index keeps: a column asked for with ?o= is not.
        self.cursor = {}
        for name in (AFTER_VAR, BEFORE_VAR, ORDER_VAR):
            self.cursor[name] = self.params.pop(name, "")
            self.filter_params.pop(name, None)
        del self.cursor[ORDER_VAR]
        return super().get_queryset(request, exclude_parameters)

    def get_results(self, request: HttpRequest) -> None:
        queryset = self.queryset
        keyset = pagination.Keyset.of(self.model, queryset.query.order_by)
        if keyset is None:  # an ordering no index range follows: newest first
            keyset = pagination.Keyset(self.model, [(self.model._meta.pk.attname, True)])
        page = pagination.read(queryset, keyset, self.list_per_page, **self.cursor)
        total = pagination.bounded_count(queryset)
        start = pagination.start_of(queryset, keyset, page)
        self.result_list = page.rows
        self.result_count = min(total, pagination.COUNT_LIMIT)
        self.count_capped = total > pagination.COUNT_LIMIT
        self.position = pagination.position(start, len(page.rows), total)
        self.next_url = page.next_cursor and self.get_query_string({AFTER_VAR: page.next_cursor})
        self.previous_url = page.previous_cursor and self.get_query_string(
            {BEFORE_VAR: page.previous_cursor}
        )
        self.first_url = page.previous_cursor and self.get_query_string()
        # What the stock templates read: one page, no "Show all", nothing counted in full.
        self.full_result_count = None
        self.show_full_result_count = False
        self.show_admin_actions = bool(page.rows)
        self.can_show_all = False
        self.multi_page = False
        self.paginator = None


class BoundedListAdmin(admin.ModelAdmin):
    """A ModelAdmin whose changelist is a BoundedChangeList. Facets would count every row
    of each filter's choices: never shown."""

    show_facets = admin.ShowFacets.NEVER
    show_full_result_count = False

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return BoundedChangeList

"""Headings that read as English: Django titles a list "Select <verbose name> to change",
which for a queue says "Select application to issue to change"."""

from typing import Any

from django.http import HttpRequest, HttpResponse


class Titled:
    """An admin whose list is headed `list_title` and whose pages `object_title`."""

    list_title = ""
    object_title = ""

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        context = {"title": self.list_title, **(extra_context or {})}
        return super().changelist_view(request, context)  # type: ignore[misc]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        context = {"title": self.object_title, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)  # type: ignore[misc]

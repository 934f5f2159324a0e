"""The CA staff's admin site: Django's, with the staff overview on its index page (the
review queue, applications waiting per state, issuance per day and failures by reason;
certificates/services/overview.py)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from certificates import figures
from certificates.services.overview import staff_overview


class ConsoleAdminSite(admin.AdminSite):
    site_header = _("SCM Console — CA staff")
    site_title = _("SCM Console admin")
    index_title = _("Certificate authority")
    index_template = "admin/console_index.html"

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        context: dict[str, Any] = dict(extra_context or {})
        if request.user.has_perm("certificates.view_certificate"):
            found = staff_overview()
            context.update(
                overview=found,
                waiting=figures.with_shares(found.waiting, "status"),
                failures=figures.with_shares(found.failures, "reason"),
                busiest=figures.busiest(found.days),
                chart_height=figures.CHART_HEIGHT,
            )
        return super().index(request, context)

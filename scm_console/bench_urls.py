"""Reference points for `make bench` (SCM_BENCH_VIEWS=1 only): a hello-world view through
the same middleware, the same for an API token, and Django's stock admin changelist on the
same rows."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import path

from certificates.api.views import Hello
from certificates.models import Certificate


def hello(request: HttpRequest) -> HttpResponse:
    """Loads the session and the user like the list does, then answers 204."""
    request.user.is_authenticated  # noqa: B018 (the lookup is the work being measured)
    return HttpResponse(status=204)


class StockCertificateAdmin(admin.ModelAdmin):
    """What a plain ModelAdmin for the same rows and searches looks like."""

    list_display = ("name", "primary_domain", "team", "certificate_type", "status")
    list_filter = ("status", "certificate_type", "brand")
    search_fields = ("name", "primary_domain", "domains__name", "team__name", "owner__username")


stock = admin.AdminSite(name="stock_admin")
stock.register(Certificate, StockCertificateAdmin)

urlpatterns = [
    path("bench/hello/", hello),
    path("bench/admin/", stock.urls),
    # The API's reference point: a token checked, counted and answered, nothing else.
    path("bench/api-hello/", Hello.as_view()),
]

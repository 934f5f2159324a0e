"""What every response of the console carries beyond Django's own middleware."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

PRIVATE_URL_NAMES = {"verify-email"}  # no login, but the link in the URL is a secret


def private_pages(get_response: Callable[[HttpRequest], HttpResponse]):
    """Pages for a signed-in user (their certificates, forms, polls, the admin) and the
    emailed-link page are never kept by a browser's or a proxy's cache: `private, no-store`."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        match = request.resolver_match
        signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
        if signed_in or (match is not None and match.url_name in PRIVATE_URL_NAMES):
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware

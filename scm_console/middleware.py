"""What every response of the console carries beyond Django's own middleware."""

from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers

PRIVATE_URL_NAMES = {"verify-email"}  # no login, but the link in the URL is a secret
ACME_PATH = "/acme/"


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


def language(get_response: Callable[[HttpRequest], HttpResponse]):
    """Speak the request's language (teams/languages.py: saved choice, Accept-Language,
    English) while it is answered, and say so: Content-Language, and Vary: Accept-Language
    so that no cache hands one language's page to a reader of another."""
    from teams.languages import chosen

    def middleware(request: HttpRequest) -> HttpResponse:
        try:
            # ACME's problem documents stay English (SPEC §12): clients parse them, and their
            # logs are read by whoever runs them, in any language.
            code = "en" if request.path.startswith(ACME_PATH) else chosen(request)
        except DatabaseError:  # the session unreadable: the 503 page in the browser's language
            code = translation.get_language_from_request(request)
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
        response = get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response

    return middleware

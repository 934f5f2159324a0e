"""The language the console speaks to someone (SPEC §12): their saved choice, else their
browser's Accept-Language, else English. The choice is saved on their Profile (for every
device and for their emails) and kept in the session, so a page reads it without a query;
a visitor who is not signed in keeps it in Django's language cookie."""

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from teams.models import Profile

KEY = "scm_language"
CODES = frozenset(code for code, _name in settings.LANGUAGES)


def of_user(user: Any) -> str:
    """The language saved for this user, or "" if they never chose one (one query)."""
    return Profile.objects.filter(user=user).values_list("language", flat=True).first() or ""


def for_user(user: Any) -> str:
    """The language to write to this user in when there is no request (an email): their
    saved choice, else the console's default."""
    return of_user(user) or settings.LANGUAGE_CODE


def chosen(request: HttpRequest) -> str:
    """The language of this request: the session's (the saved choice, copied at sign-in or
    at a switch), else the cookie's or Accept-Language's (Django's own reading), else English."""
    session = getattr(request, "session", None)
    code = session.get(KEY) if session is not None else None
    if code in CODES:
        return code
    return translation.get_language_from_request(request)


@receiver(user_logged_in)
def start_in_saved_language(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any):
    """Signing in brings back the language the user saved, on any device."""
    if request is None or not hasattr(request, "session"):
        return
    saved = of_user(user)
    if saved:
        request.session[KEY] = saved
    else:
        request.session.pop(KEY, None)


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """The header's switcher: speak this language from now on (saved for a signed-in user),
    and go back to the page it was chosen on."""
    code = request.POST.get("language", "")
    target = request.POST.get("next", "")
    # Only a path of this site (the switcher sends the page's own): no host, so no other site.
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts=set()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if code not in CODES:
        return response
    if request.user.is_authenticated:
        Profile.objects.update_or_create(user=request.user, defaults={"language": code})
        request.session[KEY] = code
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response

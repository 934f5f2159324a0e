"""The header's team: the one the signed-in user works in, and the others they could switch
to. From the session (no query on a page that already knows it)."""

from django.http import HttpRequest

from teams import session


def team(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    return {"current_team": session.current(request)}

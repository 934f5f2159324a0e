"""The error handlers: while the database is down (restarting, failing over) the answer is
503 with Retry-After and a page that says so; requests work again by themselves once it is
back (connections are health-checked before reuse). Under /v3/ (the REST API) every answer
is JSON in SCM's error shape (certificates/api/errors.py), never a page: its error_msg in
the request's language, while ACME problems stay English (SPEC §12)."""

import sys

from django.db import InterfaceError, OperationalError, connections
from django.http import JsonResponse
from django.template.response import SimpleTemplateResponse
from django.utils.translation import gettext as _
from django.views import defaults

from certificates.api import errors

RETRY_AFTER_SECONDS = 5


API = "/v3/"


def _api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error_code": code, "error_msg": message}, status=status)


ACME = "/acme/"


def _acme_problem(status: int, kind: str, detail: str) -> JsonResponse:
    body = {"type": f"urn:ietf:params:acme:error:{kind}", "detail": detail, "status": status}
    return JsonResponse(body, status=status, content_type="application/problem+json")


def not_found(request, exception=None):
    if request.path.startswith(API):
        return errors.no_endpoint(request, exception)
    if request.path.startswith(ACME):
        return _acme_problem(404, "malformed", f"There is no ACME resource {request.path}.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    problem = sys.exc_info()[1]
    outage = isinstance(problem, OperationalError | InterfaceError)
    api = request.path.startswith(API)
    if not outage or "locked" in str(problem):  # SQLite's busy timeout: a real error
        if api:
            return _api_error(500, "SCM.0500", _("Something went wrong on our side."))
        if request.path.startswith(ACME):
            return _acme_problem(500, "serverInternal", "Something went wrong on our side.")
        return defaults.server_error(request)
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()
    if api:
        response = _api_error(503, "SCM.0503", _("The database is restarting: try again soon."))
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    response = SimpleTemplateResponse("503.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response.render()

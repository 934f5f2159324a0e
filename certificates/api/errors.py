"""Every API failure in SCM's shape, `{"error_code": "SCM.xxxx", "error_msg": "..."}`, with
the right status (SPEC §10); field errors also list each field and its messages. What the
console refuses (certificates.exceptions) is answered here too, in the console's words: a
refused transition is a 409, a rate limit a 429 with Retry-After. Never an HTML page. The
messages are in the request's language (Accept-Language, SPEC §12); codes and field names
stay English."""

import math
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from certificates.exceptions import Limited, Refused

CODES = {
    400: ("SCM.0400", gettext_lazy("The request is not valid.")),
    401: ("SCM.0401", gettext_lazy("Authentication is required.")),
    403: ("SCM.0403", gettext_lazy("Your role does not allow this.")),
    404: ("SCM.0404", gettext_lazy("Not found.")),
    405: ("SCM.0405", gettext_lazy("This method is not allowed here.")),
    406: ("SCM.0406", gettext_lazy("Only application/json responses are served.")),
    409: ("SCM.0409", gettext_lazy("Not possible in the certificate's current state.")),
    413: ("SCM.0413", gettext_lazy("The request body is too large.")),
    415: ("SCM.0415", gettext_lazy("Send the body as application/json.")),
    422: ("SCM.0422", gettext_lazy("The request cannot be processed.")),
    429: ("SCM.0429", gettext_lazy("Too many requests.")),
    500: ("SCM.0500", gettext_lazy("Something went wrong on our side; nothing was changed.")),
}


def body(status_code: int, message: str = "", fields: dict | None = None) -> dict:
    """SCM's error body; the message a plain str in the request's language (a lazy one is
    translated here), so that the JSON encoder and the idempotency store can write it."""
    code, default = CODES.get(status_code, (f"SCM.0{status_code}", _("The request failed.")))
    found = {"error_code": code, "error_msg": str(message or default)}
    if fields:
        found["fields"] = fields
    return found


def no_endpoint(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """A path under /v3/ that no endpoint serves: SCM's JSON 404 (the last of the API's URLs,
    and scm_console/server_errors.py's handler404 there)."""
    message = _("There is no endpoint %(path)s.") % {"path": request.path}
    return JsonResponse(body(404, message), status=404)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = CODES[409][1]


def _text(detail: Any) -> str:
    if isinstance(detail, list):
        return " ".join(_text(item) for item in detail)
    if isinstance(detail, dict):
        return " ".join(f"{key}: {_text(value)}" for key, value in detail.items())
    return str(detail)


def _fields(detail: Any) -> dict:
    """{field: [messages]} from a serializer's errors."""
    if not isinstance(detail, dict):
        return {}
    return {
        str(name): [_text(item) for item in (value if isinstance(value, list) else [value])]
        for name, value in detail.items()
    }


def handler(exc: Exception, context: dict) -> Response | None:
    """DRF's exception handler, in SCM's shape."""
    if isinstance(exc, Limited):
        response = Response(body(429, str(exc)), status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, Refused):
        return Response(body(409, str(exc)), status=409)
    if isinstance(exc, RequestDataTooBig):
        return Response(body(413), status=413)
    if isinstance(exc, Http404):
        return Response(body(404, str(exc) if exc.args else ""), status=404)
    if isinstance(exc, PermissionDenied):
        return Response(body(403, str(exc) if exc.args else ""), status=403)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 (scm_console/server_errors.py), never for bad input
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(detail)
        listed = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
        message = _("Some fields are not valid: %(fields)s") % {"fields": listed}
        if not fields:
            message = _text(detail)
        response.data = body(400, message, fields)
    else:
        response.data = body(response.status_code, _text(detail.get("detail", detail)))
    if isinstance(exc, exceptions.Throttled) and exc.wait:
        response["Retry-After"] = str(math.ceil(exc.wait))
    return response

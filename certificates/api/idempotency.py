"""`Idempotency-Key` on the POSTs that create or submit (SPEC §10): a retried request gets
the first answer again instead of buying twice. The answers are kept in the database
(models/api.py), so every web process agrees; a key is kept for a day."""

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from certificates.api.errors import Conflict
from certificates.models import IdempotentRequest

KEPT = dt.timedelta(hours=24)
HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Any unique string (a UUID): a retry with the same key and body gets the "
    "first answer; kept for 24 hours.",
)


class KeyReused(exceptions.APIException):
    status_code = 422
    default_detail = (
        "This Idempotency-Key was used for another request: use a new key for a new request."
    )


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _claim(request: Request, key: str, fingerprint: str) -> IdempotentRequest | Response:
    """This request's record of the key, new and in progress; or the first answer."""
    token = request.auth
    for _ in range(2):
        try:
            with transaction.atomic():
                return IdempotentRequest.objects.create(
                    token=token, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            first = IdempotentRequest.objects.filter(token=token, key=key).first()
            if first is None:
                continue  # expired and removed meanwhile: claim it again
            if first.created_at < timezone.now() - KEPT:
                IdempotentRequest.objects.filter(pk=first.pk).delete()
                continue
            if first.fingerprint != fingerprint:
                raise KeyReused() from None
            if not first.status_code:
                raise Conflict(
                    "A request with this Idempotency-Key is still being answered: try again "
                    "in a moment."
                ) from None
            return Response(json.loads(first.body), status=first.status_code)
    raise Conflict("This Idempotency-Key is busy: try again in a moment.")


def once(request: Request, answer: Callable[[], Response]) -> Response:
    """answer() once per Idempotency-Key; without the header, every time. A request that
    fails (an error answer) frees its key, so it can be sent again once fixed."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return answer()
    if len(key) > 200:
        raise exceptions.ValidationError({"Idempotency-Key": ["At most 200 characters."]})
    claimed = _claim(request, key, _fingerprint(request))
    if isinstance(claimed, Response):
        return claimed
    try:
        response = answer()
    except BaseException:
        IdempotentRequest.objects.filter(pk=claimed.pk).delete()
        raise
    IdempotentRequest.objects.filter(pk=claimed.pk).update(
        status_code=response.status_code, body=json.dumps(response.data)
    )
    return response

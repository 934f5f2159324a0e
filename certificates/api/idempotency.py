"""`Idempotency-Key` on the POSTs that create or submit (SPEC §10): a retried request gets
the first answer again instead of buying twice. The answers are kept in the database
(models/api.py), so every web process agrees; a key is kept for a day."""

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
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
    description=gettext_lazy(
        "Any unique string (a UUID): a retry with the same key and body gets the first "
        "answer; kept for 24 hours."
    ),
)


class KeyReused(exceptions.APIException):
    status_code = 422
    default_detail = gettext_lazy(
        "This Idempotency-Key was used for another request: use a new key for a new request."
    )


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _first_answer(request: Request, key: str, fingerprint: str) -> Response | None:
    """The answer already given to this key, or None when the key is free (never used, or
    used more than a day ago: then it is freed here)."""
    first = IdempotentRequest.objects.filter(token=request.auth, key=key).first()
    if first is None:
        return None
    if first.created_at < timezone.now() - KEPT:
        IdempotentRequest.objects.filter(pk=first.pk).delete()
        return None
    if first.fingerprint != fingerprint:
        raise KeyReused()
    return Response(json.loads(first.body), status=first.status_code)


def once(request: Request, answer: Callable[[], Response]) -> Response:
    """answer() once per Idempotency-Key; without the header, every time. The key is taken
    in the transaction that answers: a second request with it waits for the first one's
    commit and then gets its answer (PostgreSQL blocks on the key's unique index; SQLite
    writes one at a time), and a request that fails takes nothing, so it can be sent again
    once fixed. A process that dies mid-answer leaves neither the answer nor the key."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return answer()
    if len(key) > 200:
        raise exceptions.ValidationError({"Idempotency-Key": [_("At most 200 characters.")]})
    fingerprint = _fingerprint(request)
    for _attempt in range(3):
        if (first := _first_answer(request, key, fingerprint)) is not None:
            return first
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claimed = IdempotentRequest.objects.create(
                        token=request.auth, key=key, fingerprint=fingerprint
                    )
            except IntegrityError:
                continue  # another request took the key first: its answer is committed now
            response = answer()
            IdempotentRequest.objects.filter(pk=claimed.pk).update(
                status_code=response.status_code, body=json.dumps(response.data)
            )
        return response
    raise Conflict(_("A request with this Idempotency-Key is still being answered: try again."))

"""The API's rate limit (SPEC §10): SCM_API_REQUESTS_PER_MINUTE per token, counted in the
database (one upsert a request), so every web process counts against the same limit and a
restart forgets nothing. Past it: 429 with Retry-After."""

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework import throttling
from rest_framework.request import Request

from certificates.models import ApiUsage


def count(token_id: int, now: dt.datetime) -> int:
    """Add one request to the token's minute; how many it has made in it."""
    minute = now.replace(second=0, microsecond=0)
    table = ApiUsage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (token_id, minute, count) VALUES (%s, %s, 1) "  # noqa: S608 - our table's name
            f"ON CONFLICT (token_id, minute) DO UPDATE SET count = {table}.count + 1 "
            "RETURNING count",
            [token_id, minute],
        )
        made = cursor.fetchone()[0]
    if made == 1:  # a new minute: forget the old ones
        ApiUsage.objects.filter(token_id=token_id, minute__lt=minute).delete()
    return made


class PerToken(throttling.BaseThrottle):
    def allow_request(self, request: Request, view) -> bool:
        if request.auth is None:
            return True  # refused as unauthenticated anyway
        now = timezone.now()
        self.wait_seconds = 60 - now.second
        return count(request.auth.pk, now) <= settings.SCM_API_REQUESTS_PER_MINUTE

    def wait(self) -> float:
        return self.wait_seconds

"""The server-error handler: while the database is down (restarting, failing over) the
answer is 503 with Retry-After and a page that says so; requests work again by themselves
once it is back (connections are health-checked before reuse)."""

import sys

from django.db import InterfaceError, OperationalError, connections
from django.template.response import SimpleTemplateResponse
from django.views import defaults

RETRY_AFTER_SECONDS = 5


def server_error(request):
    problem = sys.exc_info()[1]
    outage = isinstance(problem, OperationalError | InterfaceError)
    if not outage or "locked" in str(problem):  # SQLite's busy timeout: a real error
        return defaults.server_error(request)
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()
    response = SimpleTemplateResponse("503.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response.render()

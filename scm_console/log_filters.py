"""Keep validation tokens out of the logs. The emailed link carries its token in the URL
path, which the request loggers print (runserver's request lines, django.request's
"Bad Request: /…" warnings)."""

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/verify-email/)[^/\s\"']+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(r"\1[token]", text)


try:
    from gunicorn.glogging import Logger
except ImportError:  # pragma: no cover - gunicorn is a runtime dependency
    Logger = object


class GunicornLogger(Logger):
    """gunicorn's access log, with validation tokens redacted from the request line."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U"):
            if key in atoms:
                atoms[key] = redact(atoms[key])
        return atoms

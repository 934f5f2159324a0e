"""Keep validation tokens out of the logs. The emailed link carries its token in the URL
path, which the request loggers print (runserver's request lines, django.request's
"Bad Request: /…" warnings)."""

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/verify-email/)[^/\s\"']+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = TOKEN_IN_PATH.sub(r"\1[token]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True

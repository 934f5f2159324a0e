"""The API's one reader of request bodies: JSON, and any failure to read it is a 400 in SCM's
shape (SCM.0400), never a server error. DRF's own parser turns only ValueError into a 400:
JSON nested thousands deep raised RecursionError, a 500 on every POST."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# The API's bodies are flat (a list of sans at most); deeper nesting is refused before
# anything walks it (the idempotency fingerprint, error messages), each walk a recursion.
MAX_DEPTH = 8


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        """The body as JSON, or ParseError (a 400) for whatever cannot be read."""
        try:
            data = super().parse(stream, media_type, parser_context)
        except ParseError as error:
            raise ParseError(
                _("The body is not valid JSON: %(reason)s") % {"reason": _reason(error)}
            ) from None
        except Exception:  # RecursionError, MemoryError, whatever else: all unreadable input
            raise ParseError(
                _(
                    "The body cannot be read as JSON (nested too deep, or not UTF-8): send one "
                    "JSON object."
                )
            ) from None
        if _depth(data) > MAX_DEPTH:
            raise ParseError(
                _("The body is nested more than %(depth)d levels deep: send one flat JSON object.")
                % {"depth": MAX_DEPTH}
            )
        return data


def _reason(error: ParseError) -> str:
    return str(error.detail).removeprefix("JSON parse error - ")


def _depth(data) -> int:
    """How deeply lists and objects nest in parsed JSON, without recursion."""
    deepest, waiting = 0, [(data, 1)]
    while waiting:
        value, depth = waiting.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            waiting.extend((item, depth + 1) for item in value)
    return deepest

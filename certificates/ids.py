"""Whole numbers read from requests (ids in URLs and JWS kids, cursors, limits, form fields,
header values): ASCII digits only, within the range their column can hold. `str.isdigit()`,
`int()` and a regex's `\\d` also take '²', '١' or '٣' (any script's digits), which either
fails later as a server error or quietly reads another number."""

import re

from django import forms

MAX_ID = 2**63 - 1  # the largest value a 64-bit integer column holds
# [0-9], not \d: ASCII digits only; at most 19 of them, the length of MAX_ID.
_NUMBER = re.compile(r"-?[0-9]{1,19}", re.ASCII)
DIGITS = re.compile(r"-?[0-9]+", re.ASCII)  # a whole number, however long


def number(value: object, lowest: int = 1, highest: int = MAX_ID) -> int | None:
    """The whole number `value` writes in ASCII digits (or is, as a JSON integer: 5.0 is the
    integer JSON Schema calls 5, 5.5 is not), when it lies within lowest..highest; None for
    anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        found = value
    elif (isinstance(value, float) and value.is_integer() and abs(value) <= MAX_ID) or (
        isinstance(value, str) and _NUMBER.fullmatch(value)
    ):
        found = int(value)
    else:
        return None
    return found if lowest <= found <= highest else None


class IntegerField(forms.IntegerField):
    """A form's whole number in ASCII digits (Django's own takes any script's digits, and
    '1.0')."""

    def __init__(self, *, min_value: int = -MAX_ID, max_value: int = MAX_ID, **kwargs) -> None:
        # Bounded by default: a number no column holds is a database error, not a row.
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value: object) -> int | None:
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if text in self.empty_values:
            return None
        if not DIGITS.fullmatch(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        found = number(text, lowest=-MAX_ID)
        if found is None:  # too long to be a number any column holds: the bounds say so
            return MAX_ID + 1 if text[0] != "-" else -MAX_ID - 1
        return found


class ModelChoiceField(forms.ModelChoiceField):
    """A form's choice of a row by its id, the id in ASCII digits (Django's own reads '١' as
    the row with id 1)."""

    def to_python(self, value: object):
        if value in self.empty_values:
            return None
        if number(str(value).strip()) is None:
            message = self.error_messages["invalid_choice"]
            raise forms.ValidationError(message, code="invalid_choice")
        return super().to_python(str(value).strip())

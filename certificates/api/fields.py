"""The API's body fields take what its OpenAPI document says and nothing else: a boolean is
true or false (not 0, "yes" or "1"), an integer a JSON number without a fraction (not
"5"), a string a JSON string (not 5); a body names only the fields it documents. DRF's own
fields coerce, so `"test": 0` bought a certificate the schema forbids. A refused choice
lists the values it takes. The messages are in the reader's language (translated when
raised), the values and field names as the schema spells them."""

from typing import Any

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from certificates.ids import MAX_ID, number


def interpolated(message: Any, values: dict) -> Any:
    """`message % values` as a lazy string, translated when it is shown (a lazy string's own
    `%` translates at once: at import, in English, for a field's messages)."""
    return lazy(lambda: str(message) % values, str)()


class BooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": _("Must be true or false (a JSON boolean).")}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class IntegerField(serializers.IntegerField):
    """A body's whole number: a JSON number without a fraction (DRF's own takes "5", '١' or
    '²' in a string)."""

    default_error_messages = {"invalid": _("Must be a whole number (a JSON number, not a string).")}

    def to_internal_value(self, data: Any) -> int:
        found = None if isinstance(data, str) else number(data, lowest=-MAX_ID)
        if found is None:
            self.fail("invalid")
        return super().to_internal_value(found)  # min_value and max_value


class QueryIntegerField(IntegerField):
    """A query string's whole number: ASCII digits only (DRF's own takes '١' and '²')."""

    default_error_messages = {"invalid": _("Must be a whole number in ASCII digits.")}

    def to_internal_value(self, data: Any) -> int:
        return super().to_internal_value(
            number(data.strip(), lowest=-MAX_ID) if isinstance(data, str) else data
        )


class CharField(serializers.CharField):
    default_error_messages = {"invalid": _("Must be a string.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        # The schema's maxLength counts what was sent: DRF trims whitespace first, so 600
        # characters that were mostly spaces passed a limit of 500.
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class ChoiceField(serializers.ChoiceField):
    """One of the choices, as a string; a refusal says which values there are."""

    def __init__(self, choices, **kwargs) -> None:
        super().__init__(choices, **kwargs)
        shown = ", ".join(str(choice) for choice in self.choices if choice != "")
        # DRF fills in {input} when it refuses a value.
        self.error_messages["invalid_choice"] = interpolated(
            _("“{input}” is not one of: %(choices)s."), {"choices": shown}
        )

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class Body(serializers.Serializer):
    """A request body: fields it does not document are refused, not silently ignored."""

    def to_internal_value(self, data: Any) -> dict:
        if isinstance(data, dict):
            unknown = sorted(str(name) for name in data if name not in self.fields)
            if unknown:
                known = ", ".join(self.fields) or _("none")
                said = _("Unknown field; this body takes: %(fields)s.") % {"fields": known}
                raise serializers.ValidationError(dict.fromkeys(unknown[:10], [said]))
        return super().to_internal_value(data)

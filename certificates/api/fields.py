"""The API's body fields take what its OpenAPI document says and nothing else: a boolean is
true or false (not 0, "yes" or "1"), an integer a JSON number without a fraction (not
"5"), a string a JSON string (not 5); a body names only the fields it documents. DRF's own
fields coerce, so `"test": 0` bought a certificate the schema forbids. A refused choice
lists the values it takes."""

from typing import Any

from rest_framework import serializers

from certificates.ids import MAX_ID, number


class BooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false (a JSON boolean)."}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class IntegerField(serializers.IntegerField):
    """A body's whole number: a JSON number without a fraction (DRF's own takes "5", '١' or
    '²' in a string)."""

    default_error_messages = {"invalid": "Must be a whole number (a JSON number, not a string)."}

    def to_internal_value(self, data: Any) -> int:
        found = None if isinstance(data, str) else number(data, lowest=-MAX_ID)
        if found is None:
            self.fail("invalid")
        return super().to_internal_value(found)  # min_value and max_value


class QueryIntegerField(IntegerField):
    """A query string's whole number: ASCII digits only (DRF's own takes '١' and '²')."""

    default_error_messages = {"invalid": "Must be a whole number in ASCII digits."}

    def to_internal_value(self, data: Any) -> int:
        return super().to_internal_value(
            number(data.strip(), lowest=-MAX_ID) if isinstance(data, str) else data
        )


class CharField(serializers.CharField):
    default_error_messages = {"invalid": "Must be a string."}

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
        self.error_messages["invalid_choice"] = f"“{{input}}” is not one of: {shown}."

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
                known = ", ".join(self.fields) or "none"
                raise serializers.ValidationError(
                    dict.fromkeys(unknown[:10], [f"Unknown field; this body takes: {known}."])
                )
        return super().to_internal_value(data)

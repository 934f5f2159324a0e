"""The API's own serializer fields."""

from rest_framework import serializers

from certificates.ids import MAX_ID, number


class IntegerField(serializers.IntegerField):
    """A whole number as a JSON integer or in ASCII digits (a query string's); DRF's own takes
    '١', '²' or 1.0."""

    def to_internal_value(self, data: object) -> int:
        found = number(data.strip() if isinstance(data, str) else data, lowest=-MAX_ID)
        if found is None:
            self.fail("invalid")
        return found

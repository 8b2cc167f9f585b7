"""Serializer fields for JSON bodies that take only the JSON type the schema documents.

DRF's fields coerce: a CharField takes 0 as "0", a BooleanField takes "yes" and 1, an
IntegerField takes "5". For the JSON API that means a body the OpenAPI schema calls invalid
is accepted. These fields refuse any other JSON type with DRF's own message (translated), so
the API does what its schema says. Not for HTML forms, where every value is a string.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

# A text DRF takes when blank is not allowed: no NUL character (DRF refuses them) and, as it
# strips the ends, at least one character that is not white space.
NOT_BLANK_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class FlatListField(serializers.ListField):
    """A list whose refusal is one list of messages, as the API's errors are documented (a
    field: a list of strings), not DRF's per-index dictionary."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as refused:
            if not isinstance(refused.detail, dict):
                raise
            messages = {str(m) for listed in refused.detail.values() for m in listed}
            raise serializers.ValidationError(sorted(messages)) from None


class IdListField(FlatListField):
    """A list of ids (strict integers)."""

    def __init__(self, **kwargs):
        super().__init__(child=StrictIntegerField(min_value=1), **kwargs)


class StrictCharFieldSchema(OpenApiSerializerFieldExtension):
    """Says in the schema what StrictCharField refuses: blank text and NUL characters."""

    target_class = StrictCharField

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request" and not self.target.allow_blank:
            schema |= {"minLength": 1, "pattern": NOT_BLANK_PATTERN}
        return schema

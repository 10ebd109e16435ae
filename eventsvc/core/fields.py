"""The fields every API schema is made of: marshmallow's, held to the input layer's rules.

Schemas write ``from eventsvc.core import fields`` instead of marshmallow's module, so that
every whole number fits its column, every text can be stored, every date converts to UTC
and every enum names its allowed values (``core.input`` says what fits). A foundation
test checks that no schema field slips past.
"""

from marshmallow import ValidationError, validate
from marshmallow.fields import AwareDateTime as _AwareDateTime
from marshmallow.fields import (
    Bool,
    Boolean,
    Dict,
    Field,
    Float,
    Function,
    List,
    Method,
    Nested,
    Raw,
)
from marshmallow.fields import Date as _Date
from marshmallow.fields import Integer as _Integer
from marshmallow.fields import String as _String
from marshmallow.fields import Url as _Url

from eventsvc.core.input import (
    INT_MAX,
    INT_MIN,
    MAX_YEAR,
    MIN_YEAR,
    has_unstorable_characters,
    unstorable_text_message,
    year_in_range,
    year_range_message,
)

__all__ = [
    "URL", "AwareDateTime", "Bool", "Boolean", "Date", "Dict", "Field", "Float", "Function",
    "Int", "Integer", "List", "Method", "Nested", "Raw", "Str", "String", "Url",
    "enum_field", "one_of",
]


class Integer(_Integer):
    """A whole number within ``minimum``…``maximum``, by default what an INTEGER column holds."""

    def __init__(self, *, minimum: int = INT_MIN, maximum: int = INT_MAX, **kwargs):
        super().__init__(**kwargs)
        self.validators.insert(0, validate.Range(minimum, maximum))


class _Storable:
    """Text a database can store: a NUL byte (or a lone surrogate) is a field error."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if has_unstorable_characters(value):
            raise ValidationError(unstorable_text_message())
        return value


class String(_Storable, _String):
    """Text a database can store."""


class Url(_Storable, _Url):
    """A URL a database can store (marshmallow's check lets a NUL byte through in the path)."""


class AwareDateTime(_AwareDateTime):
    """A moment with its UTC offset (``2023-04-12T09:00:00+08:00``), in the years the input layer allows."""

    def __init__(self, **kwargs):
        metadata = {"description": f"ISO 8601 with an offset, years {MIN_YEAR}–{MAX_YEAR}",
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not year_in_range(value.year):
            raise ValidationError(year_range_message())
        return value


class Date(_Date):
    """A calendar date in the years the input layer allows."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if not year_in_range(value.year):
            raise ValidationError(year_range_message())
        return value


def one_of(enum_cls) -> validate.OneOf:
    """A validator taking an enum's values; its error names them all."""
    return validate.OneOf([m.value for m in enum_cls], error="Must be one of: {choices}.")


def enum_field(enum_cls, **kwargs) -> String:
    """A text field holding one of an enum's values (the OpenAPI document lists them)."""
    return String(validate=one_of(enum_cls), **kwargs)


Int = Integer
Str = String
URL = Url

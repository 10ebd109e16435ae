"""Form fields for the pages, held to the input layer's rules (``core.input``), as the API's are.

Forms import ``IntegerField``, ``DateField``, ``DateTimeLocalField`` and ``HiddenIdField`` from
here, and coerce chosen ids with ``bounded_int`` / ``optional_int``: a number beyond a
database INTEGER or a date outside the allowed years is a form error, not a 500.
"""

from flask_babel import gettext as _
from wtforms import DateField as _DateField
from wtforms import DateTimeLocalField as _DateTimeLocalField
from wtforms import HiddenField
from wtforms import IntegerField as _IntegerField
from wtforms.validators import StopValidation

from eventsvc.core.input import INT_MAX, INT_MIN, year_in_range, year_range_message


def bounded_int(value) -> int:
    """``int(value)`` for a chosen option, refusing what no INTEGER column holds (ValueError)."""
    number = int(value)
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError(_("Number out of range."))
    return number


def optional_int(value) -> int | None:
    """``bounded_int``, with None for an empty choice."""
    return None if value in (None, "", "None") else bounded_int(value)


def _too_large_message() -> str:
    return _("Give a number up to %(max)s.", max=INT_MAX)


class IntegerField(_IntegerField):
    """wtforms' IntegerField, refusing numbers beyond a database INTEGER."""

    def pre_validate(self, form):
        if self.data is not None and not INT_MIN <= self.data <= INT_MAX:
            raise StopValidation(_too_large_message())


class _YearBounded:
    def pre_validate(self, form):
        if self.data is not None and not year_in_range(self.data.year):
            raise StopValidation(year_range_message())


class DateField(_YearBounded, _DateField):
    """wtforms' DateField, in the years the input layer allows."""


class DateTimeLocalField(_YearBounded, _DateTimeLocalField):
    """wtforms' DateTimeLocalField, in the years the input layer allows."""


class HiddenIdField(HiddenField):
    """A hidden input carrying a chosen row's id (a person picked from a list): an int or None."""

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist:
            try:
                self.data = optional_int(valuelist[0])
            except ValueError:
                raise ValueError(_("Choose from the list.")) from None

    def _value(self):
        return "" if self.data is None else str(self.data)

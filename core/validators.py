"""Validators the models share, worded for the person filling in the form."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

# Dates of the business (periods, deadlines): a year outside this range is a typing error.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
# People's own dates (hire, training) go back further: a long-serving manager was hired before 2000.
EARLIEST_PERSONAL_DATE = date(1970, 1, 1)

PLAUSIBLE_DATE = [
    MinValueValidator(EARLIEST_DATE, message=_("Enter a date on or after %(limit_value)s.")),
    MaxValueValidator(LATEST_DATE, message=_("Enter a date on or before %(limit_value)s.")),
]
PLAUSIBLE_PERSONAL_DATE = [
    MinValueValidator(EARLIEST_PERSONAL_DATE, message=_("Enter a date on or after %(limit_value)s.")),
    MaxValueValidator(LATEST_DATE, message=_("Enter a date on or before %(limit_value)s.")),
]
NOT_NEGATIVE = [MinValueValidator(0, message=_("Enter zero or more."))]


def period_ordered(start: date | None, end: date | None, *, end_field: str) -> None:
    """A period that ends before it starts, as an error on its end date (the database refuses it too)."""
    if start is not None and end is not None and end < start:
        raise ValidationError(
            {
                end_field: _("The end is before the start: enter an end on or after %(start)s.")
                % {"start": start.isoformat()}
            }
        )

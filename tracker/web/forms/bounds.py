"""Validators that keep a form's values within what the app can work with."""

from __future__ import annotations

from wtforms import Field, ValidationError

from tracker.domain.bounds import DATE_RANGE_MESSAGE, date_in_range


class SaneDate:
    """A date field's value lies between 1900 and 2100: year 0202 is a typo, 9999 an attack."""

    def __call__(self, form, field: Field) -> None:
        if not date_in_range(field.data):
            raise ValidationError(DATE_RANGE_MESSAGE)

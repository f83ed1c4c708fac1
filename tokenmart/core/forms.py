"""The one base form: bad input is refused at the edge, for every page, the same way.

Every web form inherits `BaseForm`, so no route has to remember the rules the API's
schemas already keep: no NUL or other control characters in text, whole numbers inside
the column's range, only finite decimals. A bad value becomes that field's error on the
re-rendered form, with what the person typed kept; it never reaches the database (where
it would be a 500 on PostgreSQL).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, Field, FloatField, IntegerField
from wtforms.validators import NumberRange

#: The widest whole number any of our columns holds (BIGINT); narrower fields say so
#: with NumberRange. INT_MAX is the bound for ids and counts (INTEGER columns).
BIGINT_MAX = 2**63 - 1
INT_MAX = 2**31 - 1
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BaseForm(FlaskForm):
    """FlaskForm plus the edge rules every field obeys (see the module docstring)."""

    def validate(self, extra_validators: Any = None) -> bool:
        # Edge errors first: a field's own validators must never see NaN or a NUL
        # (comparing Decimal('sNaN') raises, which would be a 500).
        refused = {field.name: message for field in self
                   if (message := edge_error(field)) is not None}
        for name in refused:
            data = self[name].data
            # Keep what can be kept of the person's text; drop numbers that cannot be.
            self[name].data = CONTROL_CHARS.sub("", data) if isinstance(data, str) else None
        ok = super().validate(extra_validators)
        for name, message in refused.items():
            self[name].errors = [message]
        return ok and not refused


def edge_error(field: Field) -> str | None:
    """Why this field's value cannot be accepted by any form, or None."""
    raw = field.raw_data or []
    if any(isinstance(v, str) and CONTROL_CHARS.search(v) for v in raw):
        return str(_l("Remove the invisible control characters from this field."))
    if isinstance(field, IntegerField) and isinstance(field.data, int):
        low, high = _declared_range(field, -INT_MAX - 1, INT_MAX)
        if not low <= field.data <= high:
            return str(_l("Enter a whole number between %(low)s and %(high)s.", low=low, high=high))
    if isinstance(field, DecimalField | FloatField) and field.data is not None:
        value = field.data
        if isinstance(value, Decimal):
            # adjusted() is the exponent: no arithmetic, so 1e999999999999999999 cannot
            # overflow the decimal context while we look at it.
            ordinary = value.is_finite() and value.adjusted() < 18
            if not ordinary and merely_too_big(value) and has_range(field):
                return None  # "99999999999999999999": the field's range says what it takes
        else:
            ordinary = math.isfinite(value) and abs(value) <= BIGINT_MAX
        if not ordinary:
            return str(_l("Enter an ordinary number."))
    return None


def merely_too_big(value: Decimal) -> bool:
    """A finite number a person could have typed digit by digit (at most 99 digits), too
    big for any amount: its field's range can say so, where "1e309" or NaN get "Enter an
    ordinary number." (comparing it with the range is safe; Decimal does not overflow)."""
    return value.is_finite() and value.adjusted() < 100


def has_range(field: Field) -> bool:
    """Whether the field declares a NumberRange (its message can say what it takes)."""
    return any(isinstance(v, NumberRange) for v in field.validators)


def _declared_range(field: Field, low: int, high: int) -> tuple[int, int]:
    """A NumberRange on the field narrows the default range; it never widens it past BIGINT."""
    for validator in field.validators:
        if isinstance(validator, NumberRange):
            if validator.min is not None:
                low = max(int(validator.min), -BIGINT_MAX - 1)
            if validator.max is not None:
                high = min(int(validator.max), BIGINT_MAX)
    return low, high

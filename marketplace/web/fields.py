"""Form fields that refuse what the standard ones let through."""
from __future__ import annotations

from wtforms import DecimalField
from wtforms.validators import StopValidation


class FiniteDecimalField(DecimalField):
    """A decimal that is a number: Decimal("sNaN"), "NaN" and "Infinity" parse, then break comparisons
    (NumberRange raises InvalidOperation, a 500) or the database; they get a field error instead."""

    def process_formdata(self, valuelist):
        if valuelist and not str(valuelist[0]).strip():
            self.data = None  # a number input left empty, as browsers post it: no value, not a bad one
            return
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # keep "not a valid decimal", rather than DataRequired's "required"

"""Forms for itemised quotes and for asking a provider for one."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from marketplace.kinds import FEE_UNITS
from marketplace.services.deals import MAX_QUANTITY, LineItem
from marketplace.web.fields import FiniteDecimalField
from marketplace.web.i18n import lazy_localise

BLANK_LINES = 2  # empty rows under a quote's lines, for more items


class QuoteLineForm(Form):
    """A line inside QuoteForm (no CSRF token of its own); a line left empty is ignored."""

    item = StringField(_l("Item"), validators=[Length(max=200)])
    quantity = FiniteDecimalField(_l("Quantity"), places=None,
                                  validators=[Optional(), NumberRange(min=0, max=MAX_QUANTITY)])
    unit = SelectField(_l("Unit"), choices=[(c.value, lazy_localise(c.label)) for c in FEE_UNITS],
                       validate_choice=False)
    unit_price_cny = FiniteDecimalField(_l("Unit price (CNY)"), validators=[Optional(), NumberRange(min=0, max=1e10)])

    @property
    def is_empty(self) -> bool:
        return not (self.item.data or "").strip() and self.quantity.data is None and self.unit_price_cny.data is None


class QuoteForm(FlaskForm):
    lines = FieldList(FormField(QuoteLineForm), min_entries=3, max_entries=30)
    turnaround_days = IntegerField(_l("Turnaround (days)"), validators=[DataRequired(), NumberRange(min=1, max=3650)])
    valid_until = DateField(_l("Valid until"), validators=[DataRequired()])
    conditions = TextAreaField(_l("Conditions"), validators=[Length(max=5000)])

    def line_items(self) -> list[LineItem]:
        return [LineItem(line.item.data or "", float(line.quantity.data) if line.quantity.data is not None else None,
                         line.unit.data, float(line.unit_price_cny.data) if line.unit_price_cny.data is not None
                         else None) for line in (entry.form for entry in self.lines) if not line.is_empty]


NEW_NEED = 0  # the need choice that describes a new need


class QuoteRequestForm(FlaskForm):
    need = SelectField(_l("Which need is it for?"), coerce=int, validate_choice=False)
    title = StringField(_l("What needs testing (title)"), validators=[Length(max=300)])
    sample_type = StringField(_l("Sample type"), validators=[Length(max=200)])
    sample_count = IntegerField(_l("Number of samples"), validators=[Optional(), NumberRange(min=1, max=1_000_000)])
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    body = TextAreaField(_l("Message to the provider"), validators=[DataRequired(), Length(max=5000)])

"""Forms for booking instrument time and for the owner's opening hours."""
from __future__ import annotations

from babel.dates import get_day_names
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class BookingForm(FlaskForm):
    start_at = DateTimeLocalField(_l("Start"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    end_at = DateTimeLocalField(_l("End"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    sample_count = IntegerField(_l("Samples"), validators=[Optional(), NumberRange(min=1, max=1_000_000)])
    # Choices are the instrument's fees, set by the view; the service checks the index.
    fee = SelectField(_l("Priced by"), coerce=int, validate_choice=False, validators=[Optional()])
    purpose = TextAreaField(_l("Purpose"), validators=[Length(max=2000)])


class DecisionForm(FlaskForm):
    note = StringField(_l("Note to the requester"), validators=[Length(max=500)])


def _weekday(number: int) -> LazyString:
    return LazyString(lambda: get_day_names("wide", locale=get_locale())[number])


class WeeklyHoursForm(FlaskForm):
    """One text per weekday, Monday first; the service parses them."""

    day0, day1, day2, day3, day4, day5, day6 = (
        StringField(_weekday(number), validators=[Length(max=120)]) for number in range(7))

    def texts(self) -> dict[int, str]:
        return {number: self[f"day{number}"].data or "" for number in range(7)}

    def load(self, texts: dict[int, str]) -> None:
        for number, text in texts.items():
            self[f"day{number}"].data = text


class OpeningDateForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    hours = StringField(_l("Hours that day (e.g. 09:00-12:00; empty: closed)"), validators=[Length(max=120)])
    note = StringField(_l("Note (e.g. holiday, maintenance)"), validators=[Length(max=200)])

"""WTForms for postings and accounts. Forms parse text into a catalogue record; the service validates it.

Each posting kind's form is generated from its field specs (`marketplace.kinds`): a field's type picks
the input, its limits the validators, its label (and unit) the label. Lists are typed one per line,
fees and specifications in their own line syntax (`marketplace.text_formats`).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace import taxonomy
from marketplace.kinds import KINDS, LISTING_KINDS, Field, FieldType, Kind
from marketplace.messages import Phrase
from marketplace.models import OrganisationKind
from marketplace.text_formats import TextFormatError, format_fees, format_specs, parse_fees, parse_lines, parse_specs
from marketplace.web.fields import FiniteDecimalField
from marketplace.web.i18n import lazy_localise, localise


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _category_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(path, path) for path in taxonomy.category_paths()]


def _region_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(path, path) for path in taxonomy.region_paths()]


# Types typed as text in a line syntax: what the form calls them, how to read and write them, the hint.
LINE_SYNTAX: dict[FieldType, tuple[Callable[[str | None], Any], Callable[[Any], str], Phrase]] = {
    FieldType.TEXT_LIST: (parse_lines, "\n".join, Phrase("one per line")),
    FieldType.FEES: (parse_fees, format_fees, Phrase("item | price | unit per line")),
    FieldType.SPECS: (parse_specs, format_specs, Phrase("name: value per line")),
}
TEXT_SUFFIX = {FieldType.FEES: "_text", FieldType.SPECS: "_text"}  # their inputs keep the names forms always had


def form_name(field: Field) -> str:
    return field.name + TEXT_SUFFIX.get(field.type, "")


def _parses(parse: Callable[[str | None], Any]) -> Callable[[Any, Any], None]:
    def validate(_form: Any, form_field: Any) -> None:
        try:
            parse(form_field.data)
        except TextFormatError as error:
            raise ValidationError(localise(error.message)) from None
    return validate


def _input(field: Field) -> UnboundField:
    """The WTForms field for one spec field."""
    syntax = LINE_SYNTAX.get(field.type)
    label = Phrase("%(label)s (%(syntax)s)", label=field.display_label, syntax=syntax[2]) if syntax else None
    label = lazy_localise(label or field.display_label)
    length = [Length(max=field.max_length)] if field.max_length and field.type is not FieldType.TEXT_LIST else []
    numbers = [Optional(), NumberRange(min=field.minimum, max=field.maximum)]
    choices = [(c.value, lazy_localise(c.label)) for c in field.choices]
    match field.type:
        case FieldType.TEXT:
            return StringField(label, validators=[DataRequired()] * field.required + length)
        case FieldType.LONG_TEXT:
            return TextAreaField(label, validators=length)
        case FieldType.REGION:
            return SelectField(label, choices=_region_choices, validate_choice=False)
        case FieldType.CATEGORY:
            return SelectField(label, choices=_category_choices, validate_choice=False)
        case FieldType.CHOICE:
            return SelectField(label, choices=[("", "—"), *choices])
        case FieldType.CHOICE_LIST:
            return CheckboxList(label, choices=choices)
        case FieldType.MONEY:
            return FiniteDecimalField(label, validators=numbers)
        case FieldType.INTEGER:
            return IntegerField(label, validators=numbers)
        case FieldType.DATE:
            return DateField(label, validators=[Optional()])
        case FieldType.BOOLEAN:
            return BooleanField(label)
    assert syntax is not None, field.type
    room = (field.max_items or 1) * ((field.max_length or 500) + 1)  # a guard; the record's limits say more
    return TextAreaField(label, validators=[Length(max=room), _parses(syntax[0])])


def _record_value(field: Field, value: Any) -> Any:
    if field.type in LINE_SYNTAX:
        return LINE_SYNTAX[field.type][0](value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _form_value(field: Field, value: Any) -> Any:
    if field.type in LINE_SYNTAX:
        return LINE_SYNTAX[field.type][1](value)
    if field.type is FieldType.DATE:
        return date.fromisoformat(value)
    return value


class PostingForm(FlaskForm):
    """A posting kind's form; `posting_form` adds the kind's fields."""

    kind: Kind
    # The version the form was filled in from: saving it over someone's later change is refused.
    version = HiddenField()

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"kind": self.kind.name}
        for field in self.kind.fields:
            if field.in_form:
                value = _record_value(field, self[form_name(field)].data)
                if value not in (None, "", [], {}):
                    record[field.name] = value
        record.setdefault("description", "")
        return record

    @property
    def expected_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdecimal() else None

    def load(self, record: dict[str, Any], version: int | None = None) -> None:
        """Fill the form from a record (and the version it was read at, for saving over it)."""
        if version is not None:
            self.version.data = str(version)
        for field in self.kind.fields:
            if field.in_form and field.name in record:
                self[form_name(field)].data = _form_value(field, record[field.name])

    def input_for(self, record_key: str) -> Any:
        """The input that shows a record field's errors ("fees.0.price_cny" -> the fees input), or None."""
        field = next((f for f in self.kind.fields if f.name == record_key.split(".")[0] and f.in_form), None)
        return self[form_name(field)] if field else None


def posting_form(kind: Kind) -> type[PostingForm]:
    inputs = {form_name(field): _input(field) for field in kind.fields if field.in_form}
    return type(PostingForm)(f"{kind.name.title()}Form", (PostingForm,), {"kind": kind, **inputs})


FORM_BY_KIND: dict[str, type[PostingForm]] = {name: posting_form(kind) for name, kind in KINDS.items()}
ORGANISATION_KINDS = [
    (OrganisationKind.ENTERPRISE.value, _l("enterprise / SME")), (OrganisationKind.VENDOR.value, _l("vendor")),
    (OrganisationKind.UNIVERSITY.value, _l("university")), (OrganisationKind.INSTITUTE.value, _l("institute")),
    (OrganisationKind.TESTING_AGENCY.value, _l("testing agency"))]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password (8+ characters)"),
                                 validators=[DataRequired(), Length(min=8, max=200)])


class RegisterForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Password (8+ characters)"), validators=[DataRequired(), Length(min=8, max=200)])
    organisation_name = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    # Checked by the service, and absent when an invitation names the organisation.
    organisation_kind = SelectField(_l("Organisation type"), choices=ORGANISATION_KINDS, validate_choice=False)
    credit_code = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=30)])
    region = SelectField(_l("Region"), choices=_region_choices, validate_choice=False)
    invitation = StringField(_l("Invitation code (to join an organisation that invited you)"),
                             validators=[Optional(), Length(max=100)])


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=5000)])


class QuoteForm(FlaskForm):
    price_cny = FiniteDecimalField(_l("Price (CNY)"), validators=[DataRequired(), NumberRange(min=0, max=1e10)])
    turnaround_days = IntegerField(_l("Turnaround (days)"), validators=[DataRequired(), NumberRange(min=1, max=3650)])
    conditions = TextAreaField(_l("Conditions"), validators=[Length(max=5000)])


class ReviewForm(FlaskForm):
    rating = SelectField(_l("Rating"), choices=[("5", "★★★★★ 5"), ("4", "★★★★ 4"), ("3", "★★★ 3"), ("2", "★★ 2"),
                                                  ("1", "★ 1")], coerce=int)
    comment = TextAreaField(_l("Comment"), validators=[Length(max=5000)])


class BookingForm(FlaskForm):
    start_at = DateTimeLocalField(_l("Start"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    end_at = DateTimeLocalField(_l("End"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    sample_count = IntegerField(_l("Samples"), validators=[Optional(), NumberRange(min=1, max=1_000_000)])
    purpose = TextAreaField(_l("Purpose"), validators=[Length(max=2000)])


class DecisionForm(FlaskForm):
    note = StringField(_l("Note"), validators=[Length(max=500)])


class UsageForm(FlaskForm):
    instrument_id = SelectField(_l("Instrument"), coerce=int, validate_choice=True)
    used_on = DateField(_l("Date"), validators=[DataRequired()])
    hours = FiniteDecimalField(_l("Hours"), validators=[Optional(), NumberRange(min=0, max=8784)])
    samples = IntegerField(_l("Samples"), validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    external = BooleanField(_l("External user"))
    income_cny = FiniteDecimalField(_l("Income (CNY)"), validators=[Optional(), NumberRange(min=0, max=1e10)])
    note = StringField(_l("Note"), validators=[Length(max=500)])


class SubsidyPolicyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    rate = FiniteDecimalField(_l("Rate (0-1)"), validators=[DataRequired(), NumberRange(min=0.001, max=1)])
    cap_cny = FiniteDecimalField(_l("Cap per service (CNY)"), validators=[Optional(), NumberRange(min=0)])
    organisation_kinds = CheckboxList(_l("Eligible organisations"), choices=ORGANISATION_KINDS,
                                      default=[OrganisationKind.ENTERPRISE.value])
    listing_kinds = CheckboxList(_l("Listing kinds"), default=[LISTING_KINDS[0]], choices=[
        (name, lazy_localise(KINDS[name].plural)) for name in LISTING_KINDS])
    region = SelectField(_l("Region (empty = nationwide)"), choices=_region_choices, validate_choice=False)


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Name (what uses it)"), validators=[DataRequired(), Length(max=100)])
    scope = SelectField(_l("Scope"), choices=[("read", _l("read: listings, needs, inquiries")),
                                              ("read_write", _l("read and write"))])


class UniquipUploadForm(FlaskForm):
    file = FileField(_l("uniquip CSV file"), validators=[FileRequired()])

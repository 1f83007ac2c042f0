"""WTForms for postings and accounts. Forms parse text into a catalogue record; the service validates it."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace import taxonomy
from marketplace.models import OrganisationKind
from marketplace.web.fields import FiniteDecimalField

FEE_UNITS = ("hour", "sample", "item", "day")


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _category_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(path, path) for path in taxonomy.category_paths()]


def _region_choices() -> list[tuple[str, str]]:
    return [("", "—")] + [(path, path) for path in taxonomy.region_paths()]


def parse_fees(text: str | None) -> list[dict[str, Any]]:
    """One fee per line: `item | price | unit`, e.g. `含量测定 | 300 | sample`."""
    fees = []
    for number, line in enumerate(_lines(text), start=1):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3:
            raise ValidationError(f"line {number}: write `item | price | unit`")
        item, price, unit = parts
        try:
            amount = float(price)
        except ValueError:
            raise ValidationError(f"line {number}: price must be a number") from None
        if amount < 0 or unit not in FEE_UNITS:
            raise ValidationError(f"line {number}: price must be >= 0 and unit one of {', '.join(FEE_UNITS)}")
        fees.append({"item": item, "price_cny": amount, "unit": unit})
    return fees


def format_fees(fees: list[dict[str, Any]]) -> str:
    return "\n".join(f"{f['item']} | {f['price_cny']:g} | {f['unit']}" for f in fees)


def parse_specs(text: str | None) -> dict[str, str]:
    """One spec per line: `name: value`."""
    specs = {}
    for number, line in enumerate(_lines(text), start=1):
        name, sep, value = line.partition(":")
        if not sep:
            name, sep, value = line.partition("：")
        if not sep or not name.strip():
            raise ValidationError(f"line {number}: write `name: value`")
        specs[name.strip()] = value.strip()
    return specs


class PostingForm(FlaskForm):
    """Fields shared by every kind; subclasses add their own and name the list fields they carry."""

    kind = ""
    list_fields: tuple[str, ...] = ("keywords",)

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    region = SelectField(_l("Region"), choices=_region_choices, validate_choice=False)
    category = SelectField(_l("Category"), choices=_category_choices, validate_choice=False)
    keywords = TextAreaField(_l("Keywords (one per line)"), validators=[Length(max=5000)])

    def to_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"kind": self.kind}
        for name, field in self._fields.items():
            if name in ("csrf_token", "fees_text", "specs_text"):
                continue
            value = field.data
            if name in self.list_fields:
                value = _lines(value)
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = float(value)
            if value not in (None, "", []):
                record[name] = value
        record.setdefault("description", "")
        return record

    def load(self, record: dict[str, Any]) -> None:
        for name, field in self._fields.items():
            if name in record and name != "csrf_token":
                value = record[name]
                field.data = "\n".join(value) if name in self.list_fields else value


class InstrumentForm(PostingForm):
    kind = "instrument"
    list_fields = ("keywords", "certifications", "capabilities", "standards")

    model = StringField(_l("Model"), validators=[Length(max=120)])
    manufacturer = StringField(_l("Manufacturer"), validators=[Length(max=120)])
    origin = SelectField(_l("Origin"), choices=[("", "—"), ("domestic", _l("domestic")), ("imported", _l("imported"))])
    original_value_cny = FiniteDecimalField(_l("Original value (CNY)"), validators=[Optional(), NumberRange(min=0)])
    service_modes = CheckboxList(_l("Service modes"), choices=[
        ("operated_by_staff", _l("operated by staff")), ("self_service", _l("self service")),
        ("sample_submission", _l("sample submission"))])
    fees_text = TextAreaField(_l("Fees (item | price | unit per line)"))
    certifications = TextAreaField(_l("Certifications (CMA, CNAS; one per line)"))
    capabilities = TextAreaField(_l("Capabilities (one per line)"))
    standards = TextAreaField(_l("Standards (one per line)"))
    booking_rules = TextAreaField(_l("Booking rules"), validators=[Length(max=5000)])

    def validate_fees_text(self, field):
        parse_fees(field.data)

    def to_record(self) -> dict[str, Any]:
        record = super().to_record()
        fees = parse_fees(self.fees_text.data)
        if fees:
            record["fees"] = fees
        return record

    def load(self, record: dict[str, Any]) -> None:
        super().load(record)
        self.fees_text.data = format_fees(record.get("fees", []))


class ProductForm(PostingForm):
    kind = "product"
    list_fields = ("keywords", "replaces", "certifications")

    model = StringField(_l("Model"), validators=[Length(max=120)])
    manufacturer = StringField(_l("Manufacturer"), validators=[Length(max=120)])
    specs_text = TextAreaField(_l("Specifications (name: value per line)"))
    price_min_cny = FiniteDecimalField(_l("Price from (CNY)"), validators=[Optional(), NumberRange(min=0)])
    price_max_cny = FiniteDecimalField(_l("Price to (CNY)"), validators=[Optional(), NumberRange(min=0)])
    replaces = TextAreaField(_l("Replaces imported models (one per line)"))
    certifications = TextAreaField(_l("Certifications (one per line)"))
    lead_time_days = IntegerField(_l("Lead time (days)"), validators=[Optional(), NumberRange(min=0, max=3650)])

    def validate_specs_text(self, field):
        parse_specs(field.data)

    def to_record(self) -> dict[str, Any]:
        record = super().to_record()
        specs = parse_specs(self.specs_text.data)
        if specs:
            record["specs"] = specs
        return record

    def load(self, record: dict[str, Any]) -> None:
        super().load(record)
        self.specs_text.data = "\n".join(f"{k}: {v}" for k, v in record.get("specs", {}).items())


class TransferForm(PostingForm):
    kind = "transfer"
    list_fields = ("keywords", "patents")

    field = StringField(_l("Field"), validators=[Length(max=120)])
    patents = TextAreaField(_l("Patents (one per line)"))
    trl = IntegerField(_l("Maturity TRL (1-9)"), validators=[Optional(), NumberRange(min=1, max=9)])
    transfer_modes = CheckboxList(_l("Transfer modes"), choices=[
        ("license", _l("license")), ("assignment", _l("assignment")),
        ("co_development", _l("co-development")), ("equity", _l("equity"))])
    asking_price_cny = FiniteDecimalField(_l("Asking price (CNY)"), validators=[Optional(), NumberRange(min=0)])


class NeedForm(PostingForm):
    kind = "need"
    list_fields = ("keywords", "standards")

    sample_type = StringField(_l("Sample type"), validators=[Length(max=200)])
    sample_count = IntegerField(_l("Number of samples"), validators=[Optional(), NumberRange(min=1, max=1_000_000)])
    standards = TextAreaField(_l("Standards (one per line)"))
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    budget_cny = FiniteDecimalField(_l("Budget (CNY)"), validators=[Optional(), NumberRange(min=0)])
    domestic_only = BooleanField(_l("Domestic instruments only"))


FORM_BY_KIND: dict[str, type[PostingForm]] = {
    "instrument": InstrumentForm, "product": ProductForm, "transfer": TransferForm, "need": NeedForm,
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password (8+ characters)"), validators=[DataRequired(), Length(min=8, max=200)])


class RegisterForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Password (8+ characters)"), validators=[DataRequired(), Length(min=8, max=200)])
    organisation_name = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    organisation_kind = SelectField(_l("Organisation type"), choices=[
        (OrganisationKind.ENTERPRISE.value, _l("enterprise / SME")), (OrganisationKind.VENDOR.value, _l("vendor")),
        (OrganisationKind.UNIVERSITY.value, _l("university")), (OrganisationKind.INSTITUTE.value, _l("institute")),
        (OrganisationKind.TESTING_AGENCY.value, _l("testing agency"))], validate_choice=False)  # checked by the service
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
    organisation_kinds = CheckboxList(_l("Eligible organisations"), choices=[
        (k.value, k.value) for k in OrganisationKind], default=["enterprise"])
    listing_kinds = CheckboxList(_l("Listing kinds"), choices=[
        ("instrument", "共享仪器"), ("product", "国产仪器"), ("transfer", "成果转化")], default=["instrument"])
    region = SelectField(_l("Region (empty = nationwide)"), choices=_region_choices, validate_choice=False)

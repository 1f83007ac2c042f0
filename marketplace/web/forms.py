"""WTForms for postings and accounts. Forms parse text into a catalogue record; the service validates it."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
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

    title = StringField("Title 名称", validators=[DataRequired(), Length(max=300)])
    description = TextAreaField("Description 描述", validators=[Length(max=20000)])
    region = SelectField("Region 地区", choices=_region_choices, validate_choice=False)
    category = SelectField("Category 类别", choices=_category_choices, validate_choice=False)
    keywords = TextAreaField("Keywords 关键词 (one per line)", validators=[Length(max=5000)])

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

    model = StringField("Model 型号", validators=[Length(max=120)])
    manufacturer = StringField("Manufacturer 生产厂商", validators=[Length(max=120)])
    origin = SelectField("Origin 产地", choices=[("", "—"), ("domestic", "国产 domestic"), ("imported", "进口 imported")])
    original_value_cny = DecimalField("Original value 原值 (CNY)", validators=[Optional(), NumberRange(min=0)])
    service_modes = CheckboxList("Service modes 服务方式", choices=[
        ("operated_by_staff", "机组人员操作 operated by staff"), ("self_service", "自主上机 self service"),
        ("sample_submission", "送样检测 sample submission")])
    fees_text = TextAreaField("Fees 收费标准 (item | price | unit per line)")
    certifications = TextAreaField("Certifications 资质 (CMA, CNAS; one per line)")
    capabilities = TextAreaField("Capabilities 检测能力 (one per line)")
    standards = TextAreaField("Standards 标准 (one per line)")
    booking_rules = TextAreaField("Booking rules 预约规则", validators=[Length(max=5000)])

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

    model = StringField("Model 型号", validators=[Length(max=120)])
    manufacturer = StringField("Manufacturer 生产厂商", validators=[Length(max=120)])
    specs_text = TextAreaField("Specifications 技术参数 (name: value per line)")
    price_min_cny = DecimalField("Price from 最低价 (CNY)", validators=[Optional(), NumberRange(min=0)])
    price_max_cny = DecimalField("Price to 最高价 (CNY)", validators=[Optional(), NumberRange(min=0)])
    replaces = TextAreaField("Replaces imported models 可替代进口型号 (one per line)")
    certifications = TextAreaField("Certifications 认证 (one per line)")
    lead_time_days = IntegerField("Lead time 交货期 (days)", validators=[Optional(), NumberRange(min=0, max=3650)])

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

    field = StringField("Field 技术领域", validators=[Length(max=120)])
    patents = TextAreaField("Patents 专利号 (one per line)")
    trl = IntegerField("Maturity TRL 技术成熟度 (1-9)", validators=[Optional(), NumberRange(min=1, max=9)])
    transfer_modes = CheckboxList("Transfer modes 转化方式", choices=[
        ("license", "许可 license"), ("assignment", "转让 assignment"),
        ("co_development", "合作开发 co-development"), ("equity", "作价入股 equity")])
    asking_price_cny = DecimalField("Asking price 报价 (CNY)", validators=[Optional(), NumberRange(min=0)])


class NeedForm(PostingForm):
    kind = "need"
    list_fields = ("keywords", "standards")

    sample_type = StringField("Sample type 样品类型", validators=[Length(max=200)])
    sample_count = IntegerField("Number of samples 样品数量", validators=[Optional(), NumberRange(min=1, max=1_000_000)])
    standards = TextAreaField("Standards 检测标准 (one per line)")
    deadline = DateField("Deadline 截止日期", validators=[Optional()])
    budget_cny = DecimalField("Budget 预算 (CNY)", validators=[Optional(), NumberRange(min=0)])
    domestic_only = BooleanField("Domestic instruments only 仅限国产仪器")


FORM_BY_KIND: dict[str, type[PostingForm]] = {
    "instrument": InstrumentForm, "product": ProductForm, "transfer": TransferForm, "need": NeedForm,
}


class LoginForm(FlaskForm):
    email = EmailField("E-mail 邮箱", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password 密码", validators=[DataRequired(), Length(max=200)])


class RegisterForm(FlaskForm):
    email = EmailField("E-mail 邮箱", validators=[DataRequired(), Length(max=254)])
    display_name = StringField("Your name 姓名", validators=[DataRequired(), Length(max=100)])
    password = PasswordField("Password 密码 (8+ characters)", validators=[DataRequired(), Length(min=8, max=200)])
    organisation_name = StringField("Organisation 机构名称", validators=[DataRequired(), Length(max=200)])
    organisation_kind = SelectField("Organisation type 机构类型", choices=[
        (OrganisationKind.ENTERPRISE.value, "企业 enterprise / SME"), (OrganisationKind.VENDOR.value, "仪器厂商 vendor"),
        (OrganisationKind.UNIVERSITY.value, "高校 university"), (OrganisationKind.INSTITUTE.value, "科研院所 institute"),
        (OrganisationKind.TESTING_AGENCY.value, "检测机构 testing agency")])
    credit_code = StringField("Unified social credit code 统一社会信用代码", validators=[Optional(), Length(max=18)])
    region = SelectField("Region 地区", choices=_region_choices, validate_choice=False)


class MessageForm(FlaskForm):
    body = TextAreaField("Message 留言", validators=[DataRequired(), Length(max=5000)])


class QuoteForm(FlaskForm):
    price_cny = DecimalField("Price 报价 (CNY)", validators=[DataRequired(), NumberRange(min=0, max=1e10)])
    turnaround_days = IntegerField("Turnaround 周期 (days)", validators=[DataRequired(), NumberRange(min=1, max=3650)])
    conditions = TextAreaField("Conditions 条件", validators=[Length(max=5000)])


class ReviewForm(FlaskForm):
    rating = SelectField("Rating 评分", choices=[("5", "★★★★★ 5"), ("4", "★★★★ 4"), ("3", "★★★ 3"), ("2", "★★ 2"),
                                                  ("1", "★ 1")], coerce=int)
    comment = TextAreaField("Comment 评价", validators=[Length(max=5000)])


class BookingForm(FlaskForm):
    start_at = DateTimeLocalField("Start 开始", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    end_at = DateTimeLocalField("End 结束", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    sample_count = IntegerField("Samples 样品数", validators=[Optional(), NumberRange(min=1, max=1_000_000)])
    purpose = TextAreaField("Purpose 用途", validators=[Length(max=2000)])


class DecisionForm(FlaskForm):
    note = StringField("Note 备注", validators=[Length(max=500)])


class UsageForm(FlaskForm):
    instrument_id = SelectField("Instrument 仪器", coerce=int, validate_choice=True)
    used_on = DateField("Date 日期", validators=[DataRequired()])
    hours = DecimalField("Hours 机时", validators=[Optional(), NumberRange(min=0, max=8784)])
    samples = IntegerField("Samples 样品数", validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    external = BooleanField("External user 外部用户")
    income_cny = DecimalField("Income 收入 (CNY)", validators=[Optional(), NumberRange(min=0, max=1e10)])
    note = StringField("Note 备注", validators=[Length(max=500)])


class SubsidyPolicyForm(FlaskForm):
    name = StringField("Name 名称", validators=[DataRequired(), Length(max=200)])
    rate = DecimalField("Rate 比例 (0-1)", validators=[DataRequired(), NumberRange(min=0.001, max=1)])
    cap_cny = DecimalField("Cap per service 单次上限 (CNY)", validators=[Optional(), NumberRange(min=0)])
    organisation_kinds = CheckboxList("Eligible organisations 适用机构", choices=[
        (k.value, k.value) for k in OrganisationKind], default=["enterprise"])
    listing_kinds = CheckboxList("Listing kinds 适用资源", choices=[
        ("instrument", "共享仪器"), ("product", "国产仪器"), ("transfer", "成果转化")], default=["instrument"])
    region = SelectField("Region 地区 (empty = nationwide)", choices=_region_choices, validate_choice=False)

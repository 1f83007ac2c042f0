"""Posting kinds: the one place that says what each kind of posting is and which fields it has.

Each layer builds its part from these specs: the models' columns (models/postings.py), catalogue
records (services/records.py), CSV columns (services/catalog.py), validation limits (validation.py),
completeness scores and hints (services/quality.py), forms (web/forms.py) and URLs (`posting_path`).
Adding a field to a kind means adding it here and writing the Alembic migration for its column.

Plain data: no Flask, no SQLAlchemy. Labels and hints are `Phrase`s, translated where they are shown.
A field name means the same thing in every kind that has it (the catalogue has one column per name),
so a field shared by kinds is defined once and only its completeness weight and hint differ per kind.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Any

from marketplace.messages import Phrase


class FieldType(enum.Enum):
    TEXT = "text"  # one line
    LONG_TEXT = "long text"  # paragraphs; empty is ""
    INTEGER = "integer"
    MONEY = "money"  # CNY, two decimals
    DATE = "date"  # ISO 8601 in records: 2026-12-31
    BOOLEAN = "boolean"
    TEXT_LIST = "list of text"
    CHOICE = "choice"  # one of the field's choices
    CHOICE_LIST = "choice list"  # any of the field's choices
    REGION = "region"  # a path in the region list: 湖北省/武汉市
    CATEGORY = "category"  # a path in the national instrument classification: 分析仪器/色谱仪器
    FEES = "fees"  # [{"item": ..., "price_cny": ..., "unit": ...}]
    SPECS = "specs"  # {"name": "value"}


LIST_TYPES = frozenset({FieldType.TEXT_LIST, FieldType.CHOICE_LIST, FieldType.FEES})
MAX_MONEY = 10_000_000_000  # CNY; the columns hold 12 digits before the point, quotes allow the same
CNY = Phrase("CNY")


@dataclass(frozen=True)
class Choice:
    value: str  # stored and exchanged in catalogues
    label: Phrase  # what a person reads


@dataclass(frozen=True)
class Field:
    name: str  # attribute, column, record key and CSV column
    type: FieldType
    label: Phrase
    unit: Phrase | None = None
    max_length: int | None = None  # text: characters; lists: characters per entry
    max_items: int | None = None  # lists, fees and specs
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Choice, ...] = ()  # fees: the units a price is per
    enum: type[enum.Enum] | None = None  # a choice the code reasons about is stored as this enum
    upper_case: bool = False  # codes compared in upper case (CMA, CNAS) are stored that way
    required: bool = False  # a person must fill it in
    default: Any = None  # value of a new posting that does not say
    fixed: str | None = None  # every posting of the kind has this value, so nobody is asked for it
    managed: bool = False  # changed by the application (a need's status): not in forms, kept when a record omits it
    weight: int = 0  # completeness: how much a buyer misses it when it is empty (0: not counted)
    hint: Phrase | None = None  # completeness: what to add

    def scored(self, weight: int, hint: Phrase) -> Field:
        """This field as one kind scores it for completeness."""
        return replace(self, weight=weight, hint=hint)

    @property
    def unit_label(self) -> Phrase | None:
        return CNY if self.type is FieldType.MONEY else self.unit

    @property
    def display_label(self) -> Phrase:
        """The label with its unit: "Original value (CNY)"."""
        unit = self.unit_label
        return Phrase("%(label)s (%(unit)s)", label=self.label, unit=unit) if unit else self.label

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)

    def choice_label(self, value: Any) -> Phrase | Any:
        return next((c.label for c in self.choices if c.value == getattr(value, "value", value)), value)

    @property
    def in_form(self) -> bool:
        return self.fixed is None and not self.managed

    @property
    def empty(self) -> Any:
        """The stored value of a field left empty."""
        if self.type in LIST_TYPES:
            return []
        if self.type is FieldType.SPECS:
            return {}
        if self.type is FieldType.LONG_TEXT:
            return ""
        return None

    def shape(self) -> tuple[Any, ...]:
        """What must agree wherever this name is used: its type, limits and choices."""
        return (self.type, self.max_length, self.max_items, self.minimum, self.maximum, self.choice_values)


@dataclass(frozen=True)
class Kind:
    name: str  # the posting's `kind` and the catalogue's "kind"
    slug: str  # URL segment of its pages: /instruments/
    label: Phrase
    plural: Phrase
    fields: tuple[Field, ...]  # the common fields first, then its own
    is_listing: bool  # offered by a provider (a need is posted by whoever needs a test)
    default_owner_kind: str  # organisation kind of an imported owner that does not say
    posted_by: frozenset[str]  # the organisation kinds whose members may create it (platform admins: any)

    @property
    def own_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.name not in COMMON_NAMES)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _text(name: str, label: Phrase, max_length: int, **options: Any) -> Field:
    return Field(name, FieldType.TEXT, label, max_length=max_length, **options)


def _list(name: str, label: Phrase, max_items: int = 100, max_length: int = 200, **options: Any) -> Field:
    return Field(name, FieldType.TEXT_LIST, label, max_items=max_items, max_length=max_length, **options)


def _money(name: str, label: Phrase) -> Field:
    return Field(name, FieldType.MONEY, label, minimum=0, maximum=MAX_MONEY)


FEE_UNITS = (Choice("hour", Phrase("hour")), Choice("sample", Phrase("sample")), Choice("item", Phrase("item")),
             Choice("day", Phrase("day")))

# Fields every posting has (columns of the shared `postings` table).
TITLE = _text("title", Phrase("Title"), 300, required=True)
DESCRIPTION = Field("description", FieldType.LONG_TEXT, Phrase("Description"), max_length=20000)
REGION = Field("region", FieldType.REGION, Phrase("Region"), max_length=100)
CATEGORY = Field("category", FieldType.CATEGORY, Phrase("Category"), max_length=200)
KEYWORDS = _list("keywords", Phrase("Keywords"), 50, 100)
COMMON = (TITLE, DESCRIPTION, REGION, CATEGORY, KEYWORDS)
COMMON_NAMES = frozenset(f.name for f in COMMON)

# Fields several kinds share.
MODEL = _text("model", Phrase("Model"), 120)
MANUFACTURER = _text("manufacturer", Phrase("Manufacturer"), 120)
ORIGIN = Field("origin", FieldType.CHOICE, Phrase("Origin"), max_length=10, choices=(
    Choice("domestic", Phrase("domestic")), Choice("imported", Phrase("imported"))))
CERTIFICATIONS = _list("certifications", Phrase("Certifications"), 30, 50, upper_case=True)
STANDARDS = _list("standards", Phrase("Standards"))


# The kinds of organisation (models.OrganisationKind), as people read them.
ORGANISATION_KINDS = (
    Choice("enterprise", Phrase("Enterprise / SME")), Choice("vendor", Phrase("Vendor")),
    Choice("university", Phrase("University")), Choice("institute", Phrase("Institute")),
    Choice("testing_agency", Phrase("Testing agency")))
# Universities, institutes and testing agencies share instruments and license their results.
PROVIDERS_OF_SERVICES = frozenset({"university", "institute", "testing_agency"})


def organisation_kind_label(value: Any) -> Phrase | Any:
    value = getattr(value, "value", value)
    return next((c.label for c in ORGANISATION_KINDS if c.value == value), value)


class NeedStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


INSTRUMENT = Kind(
    name="instrument", slug="instruments", label=Phrase("Shared instrument"), plural=Phrase("Shared instruments"),
    is_listing=True, default_owner_kind="university", posted_by=PROVIDERS_OF_SERVICES,
    fields=(
        TITLE,
        DESCRIPTION.scored(3, Phrase("Describe what the instrument can measure")),
        REGION.scored(2, Phrase("Set the location")),
        CATEGORY.scored(2, Phrase("Choose a category")),
        KEYWORDS,
        MODEL.scored(2, Phrase("Add the model")),
        MANUFACTURER.scored(1, Phrase("Add the manufacturer")),
        ORIGIN.scored(1, Phrase("Say whether it is domestic or imported")),
        _text("asset_number", Phrase("Asset number"), 60),
        _money("original_value_cny", Phrase("Original value")),
        Field("service_modes", FieldType.CHOICE_LIST, Phrase("Service modes"), choices=(
            Choice("operated_by_staff", Phrase("operated by staff")), Choice("self_service", Phrase("self service")),
            Choice("sample_submission", Phrase("sample submission")),
        )).scored(2, Phrase("Choose service modes")),
        Field("fees", FieldType.FEES, Phrase("Fees"), max_items=50, max_length=200, choices=FEE_UNITS).scored(
            3, Phrase("Publish fees")),
        CERTIFICATIONS,
        _list("capabilities", Phrase("Capabilities")).scored(2, Phrase("List capabilities")),
        STANDARDS.scored(1, Phrase("List standards")),
        Field("booking_rules", FieldType.LONG_TEXT, Phrase("Booking rules"), max_length=5000).scored(
            1, Phrase("Explain booking rules")),
        # Enforced when a booking is requested (services/bookings.py); empty means no lead time, one-hour slots.
        Field("booking_lead_hours", FieldType.INTEGER, Phrase("Book ahead at least"), unit=Phrase("hours"),
              minimum=0, maximum=8760),
        Field("slot_minutes", FieldType.INTEGER, Phrase("Booking slot length"), unit=Phrase("minutes"), minimum=5,
              maximum=1440),
    ),
)

PRODUCT = Kind(
    name="product", slug="products", label=Phrase("Domestic product"), plural=Phrase("Domestic products"),
    is_listing=True, default_owner_kind="vendor", posted_by=frozenset({"vendor"}),
    fields=(
        TITLE,
        DESCRIPTION.scored(3, Phrase("Describe the product")),
        REGION.scored(1, Phrase("Set the location")),
        CATEGORY.scored(2, Phrase("Choose a category")),
        KEYWORDS,
        MODEL.scored(2, Phrase("Add the model")),
        MANUFACTURER,
        replace(ORIGIN, fixed="domestic"),
        Field("specs", FieldType.SPECS, Phrase("Specifications"), max_items=60, max_length=500).scored(
            3, Phrase("Add technical specifications")),
        _money("price_min_cny", Phrase("Price from")).scored(2, Phrase("Give a price range")),
        _money("price_max_cny", Phrase("Price to")),
        _list("replaces", Phrase("Replaces imported models"), 50, 120).scored(
            2, Phrase("Name the imported models it replaces")),
        CERTIFICATIONS.scored(1, Phrase("List certifications")),
        Field("lead_time_days", FieldType.INTEGER, Phrase("Lead time"), unit=Phrase("days"), minimum=0,
              maximum=3650),
    ),
)

TRANSFER = Kind(
    name="transfer", slug="transfers", label=Phrase("Technology transfer"), plural=Phrase("Technology transfers"),
    is_listing=True, default_owner_kind="university", posted_by=PROVIDERS_OF_SERVICES,
    fields=(
        TITLE,
        DESCRIPTION.scored(3, Phrase("Describe the technology")),
        REGION.scored(1, Phrase("Set the location")),
        CATEGORY,
        KEYWORDS,
        _text("field", Phrase("Field"), 120).scored(2, Phrase("Name the field")),
        _list("patents", Phrase("Patents"), 50, 60).scored(2, Phrase("List patents")),
        Field("trl", FieldType.INTEGER, Phrase("Maturity (TRL 1-9)"), minimum=1, maximum=9).scored(
            2, Phrase("Give the maturity (TRL)")),
        Field("transfer_modes", FieldType.CHOICE_LIST, Phrase("Transfer modes"), choices=(
            Choice("license", Phrase("license")), Choice("assignment", Phrase("assignment")),
            Choice("co_development", Phrase("co-development")), Choice("equity", Phrase("equity")),
        )).scored(2, Phrase("Choose transfer modes")),
        _money("asking_price_cny", Phrase("Asking price")).scored(1, Phrase("Give an asking price")),
    ),
)

NEED = Kind(
    name="need", slug="needs", label=Phrase("Test need"), plural=Phrase("Test needs"),
    is_listing=False, default_owner_kind="enterprise", posted_by=frozenset({"enterprise"}),
    fields=(
        TITLE,
        DESCRIPTION.scored(3, Phrase("Describe what to measure")),
        REGION.scored(2, Phrase("Set your region")),
        CATEGORY,
        KEYWORDS,
        _text("sample_type", Phrase("Sample type"), 200).scored(2, Phrase("Say the sample type")),
        Field("sample_count", FieldType.INTEGER, Phrase("Number of samples"), minimum=1, maximum=1_000_000).scored(
            2, Phrase("Give the number of samples")),
        STANDARDS.scored(1, Phrase("Name the standard")),
        CERTIFICATIONS,  # what the report must carry (CMA, CNAS): read from the description too
        Field("deadline", FieldType.DATE, Phrase("Deadline")).scored(1, Phrase("Set a deadline")),
        _money("budget_cny", Phrase("Budget")).scored(1, Phrase("Give a budget")),
        Field("domestic_only", FieldType.BOOLEAN, Phrase("Domestic instruments only"), default=False),
        Field("status", FieldType.CHOICE, Phrase("Status"), max_length=10, enum=NeedStatus, default="open",
              managed=True, choices=(Choice("open", Phrase("open")), Choice("closed", Phrase("closed")))),
    ),
)

KINDS: dict[str, Kind] = {kind.name: kind for kind in (INSTRUMENT, PRODUCT, TRANSFER, NEED)}
LISTING_KINDS = tuple(name for name, kind in KINDS.items() if kind.is_listing)
POSTING_KINDS = tuple(KINDS)
_BY_SLUG = {kind.slug: kind for kind in KINDS.values()}


def by_slug(slug: str) -> Kind | None:
    return _BY_SLUG.get(slug)


def posting_path(kind: str, posting_id: int) -> str:
    """The page of one posting, for links in notifications and templates."""
    return f"/{KINDS[kind].slug}/{posting_id}"


def catalogue_fields() -> tuple[Field, ...]:
    """Every field once, in catalogue order: the common fields, then each kind's own in kind order."""
    seen: dict[str, Field] = {}
    for kind in KINDS.values():
        for field in kind.fields:
            seen.setdefault(field.name, field)
    return tuple(seen.values())


def _check_posters_exist() -> None:
    known = {c.value for c in ORGANISATION_KINDS}
    for kind in KINDS.values():
        if not kind.posted_by or kind.posted_by - known:
            raise ValueError(f"kind {kind.name!r} names unknown organisation kinds in posted_by")


def _check_names_agree() -> None:
    shapes: dict[str, tuple[Any, ...]] = {}
    for kind in KINDS.values():
        for field in kind.fields:
            if shapes.setdefault(field.name, field.shape()) != field.shape():
                raise ValueError(f"field {field.name!r} of kind {kind.name!r} disagrees with another kind's")


_check_names_agree()
_check_posters_exist()

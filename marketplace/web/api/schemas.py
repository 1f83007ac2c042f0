"""The REST API's request and response models. Each kind's are built from its field specs in
`marketplace.kinds`, so a field added there appears in the API, its OpenAPI document and its validation
without an edit here. Pydantic validates requests (spectree runs it) and every response is built through
its model, so what the API sends is checked against what it documents."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints, create_model
from pydantic import Field as Property

from marketplace.kinds import KINDS, LISTING_KINDS, MAX_MONEY, Field, FieldType, Kind
from marketplace.models import OrganisationKind, QuoteStatus
from marketplace.models.deals import OrderStatus
from marketplace.services.deals import MAX_MESSAGE
from marketplace.services.discovery import MAX_LIMIT, MAX_QUERY, MODES, ORIGINS, SERVICE_MODES

Id = Annotated[int, Property(ge=1, le=2_147_483_647)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=120)]
MAX_PAGE = 100


def text(max_length: int | None, min_length: int = 0) -> Any:
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length)]


class Request(BaseModel):
    """A request body: exactly the documented properties, of exactly their types (no "5" for 5)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Reply(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors ----------------------------------------------------------------------------------------

class FieldProblem(Reply):
    field: str = Property(description="the request field: a JSON property path (fees.0.price_cny), a query "
                                      "parameter or a header")
    message: str


class Problem(Reply):
    """An error, as RFC 9457 problem details (application/problem+json)."""

    type: str = Property(description="a URI reference naming the kind of problem; about:blank when the status "
                                     "says it all")
    title: str
    status: int
    detail: str
    instance: str = Property(description="the request path")
    errors: list[FieldProblem] = Property(default_factory=list, description="what is wrong, field by field")


# -- postings, built from the kind registry ---------------------------------------------------------

def _fee_model(field: Field) -> type[BaseModel]:
    return create_model(
        "Fee", __config__=ConfigDict(extra="forbid", strict=True),
        item=(text(field.max_length, 1), ...),
        price_cny=(Annotated[float, Property(ge=0, le=MAX_MONEY, allow_inf_nan=False)], ...),
        unit=(Literal[field.choice_values], ...))


def value_type(field: Field) -> Any:
    """The type of a field's value, with the limits of its column."""
    match field.type:
        case FieldType.INTEGER:
            return Annotated[int, Property(ge=field.minimum, le=field.maximum)]
        case FieldType.MONEY:
            return Annotated[float, Property(ge=field.minimum, le=field.maximum, allow_inf_nan=False)]
        case FieldType.DATE:
            return Annotated[date, Property(strict=False)]  # an ISO 8601 date in JSON
        case FieldType.BOOLEAN:
            return bool
        case FieldType.CHOICE:
            return Literal[field.choice_values]
        case FieldType.CHOICE_LIST:
            return list[Literal[field.choice_values]]
        case FieldType.TEXT_LIST:
            return Annotated[list[text(field.max_length)], Property(max_length=field.max_items)]
        case FieldType.FEES:
            return Annotated[list[_fee_model(field)], Property(max_length=field.max_items)]
        case FieldType.SPECS:
            return Annotated[dict[text(100), text(field.max_length)], Property(max_length=field.max_items)]
    return text(field.max_length, 1 if field.required else 0)


def _describe(field: Field) -> str:
    hint = {FieldType.REGION: " (a path in the region list: 湖北省/武汉市)",
            FieldType.CATEGORY: " (a path in the national instrument classification: 分析仪器/色谱仪器)",
            }.get(field.type, "")
    return f"{field.display_label}{hint}"


def _class_name(kind: Kind) -> str:
    return kind.name.title()


EXAMPLES: dict[FieldType, Any] = {
    FieldType.TEXT: "Agilent 1260 Infinity II",
    FieldType.LONG_TEXT: "可开展药物有关物质检测。Sample submission welcome.",
    FieldType.INTEGER: 7, FieldType.MONEY: 300.0, FieldType.DATE: "2027-06-30", FieldType.BOOLEAN: False,
    FieldType.TEXT_LIST: ["HPLC"], FieldType.REGION: "湖北省/武汉市", FieldType.CATEGORY: "分析仪器/色谱仪器",
    FieldType.SPECS: {"流速范围": "0.001-10 mL/min"},
}


def example_value(field: Field) -> Any:
    """A valid value of the field, for the document's examples."""
    if field.choices and field.type is FieldType.FEES:
        return [{"item": "有关物质检测", "price_cny": 300.0, "unit": field.choice_values[0]}]
    if field.type is FieldType.CHOICE:
        return field.default or field.choice_values[0]
    if field.type is FieldType.CHOICE_LIST:
        return list(field.choice_values[:1])
    if field.type is FieldType.INTEGER:
        return int(max(field.minimum or 1, min(field.maximum or 7, 7)))
    return EXAMPLES[field.type]


def posting_input(kind: Kind, *, with_ref: bool) -> type[Request]:
    """What a client sends to create (with an optional ref) or replace a posting: the fields a person fills
    in. Replacing is whole: a field left out is cleared."""
    properties: dict[str, Any] = {}
    if with_ref:
        properties["ref"] = (Ref | None, Property(None, description="your external id, unique per kind; "
                                                                    "generated when left out"))
    for field in kind.fields:
        if field.managed:  # a need's status: kept when left out
            properties[field.name] = (value_type(field) | None,
                                      Property(None, description=f"{_describe(field)}; unchanged when left out"))
            continue
        if field.fixed is not None:  # accepted as it is returned, so a read record can be sent back
            properties[field.name] = (Literal[field.fixed] | None,
                                      Property(None, description=f"always {field.fixed}"))
            continue
        default = ... if field.required else None
        annotation = value_type(field) if field.required else value_type(field) | None
        properties[field.name] = (annotation, Property(default, description=_describe(field)))
    suffix = "Create" if with_ref else "Replace"
    model = create_model(f"{_class_name(kind)}{suffix}", __base__=Request, **properties)
    example = {field.name: example_value(field) for field in kind.fields if field.fixed is None}
    model.model_config["json_schema_extra"] = {"examples": [example]}
    model.model_rebuild(force=True)
    return model


class Owner(Reply):
    id: int
    name: str
    kind: Literal[tuple(k.value for k in OrganisationKind)]


class PostingLinks(Reply):
    self: str = Property(description="this posting in the API")
    html: str = Property(description="its page on the site")


def posting_output(kind: Kind) -> type[Reply]:
    """A posting as the API returns it: its fields (empty ones left out), owner, version and times."""
    properties: dict[str, Any] = {
        "id": (int, ...), "kind": (Literal[kind.name], ...), "ref": (str, ...),
        "version": (int, Property(description="changes with every edit; send it back in If-Match")),
        "owner": (Owner, ...), "created_at": (AwareDatetime, ...), "updated_at": (AwareDatetime, ...),
        "archived_at": (AwareDatetime | None, Property(description="set when its owner archived it")),
        "links": (PostingLinks, ...),
    }
    for field in kind.fields:
        properties[field.name] = (value_type(field) | None, Property(None, description=_describe(field)))
    properties["source_fields"] = (dict[str, str] | None, Property(
        None, description="columns of the feed it was imported from (uniquip) that have no field here"))
    return create_model(_class_name(kind), __base__=Reply, **properties)


def posting_page(kind: Kind, item: type[Reply]) -> type[Reply]:
    return create_model(f"{_class_name(kind)}Page", __base__=Reply,
                        items=(list[item], ...),
                        next=(str | None, Property(description="the next page, absent on the last")),
                        limit=(int, ...))


def _filters(kind: Kind) -> dict[str, Any]:
    """The list filters that apply to the kind: the search page's that it has a field for. (A query
    parameter is absent or has a value, so none of them is nullable.)"""
    names = {f.name for f in kind.fields}
    filters: dict[str, Any] = {
        "region": (text(100), Property(None, description="a province, or province/city: matches inside it")),
        "category": (text(200), Property(None, description="a category path: matches it and below")),
    }
    if "origin" in names:
        filters["origin"] = (Literal[ORIGINS], None)
    if "certifications" in names:
        filters["certification"] = (list[text(50)], Property(None, description="has all of these"))
    if "service_modes" in names:
        filters["service_mode"] = (list[Literal[SERVICE_MODES]], Property(None, description="any of these"))
    return filters


def list_query(kind: Kind) -> type[BaseModel]:
    return create_model(
        f"{_class_name(kind)}ListQuery",
        __config__=ConfigDict(extra="forbid"),
        owner=(Id, Property(None, description="only this organisation's (its id)")),
        updated_since=(datetime, Property(None, description="changed at or after this time (ISO 8601; UTC "
                                                            "unless it has an offset)")),
        include_archived=(bool, Property(False, description="archived postings too")),
        limit=(Annotated[int, Property(ge=1, le=MAX_PAGE)], 20),
        cursor=(Id, Property(None, description="where the previous page ended: follow its `next` link")),
        **_filters(kind),
    )


class PostingApi:
    """The models of one kind's endpoints."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.create = posting_input(kind, with_ref=True)
        self.replace = posting_input(kind, with_ref=False)
        self.output = posting_output(kind)
        self.page = posting_page(kind, self.output)
        self.query = list_query(kind)


POSTING_APIS = {name: PostingApi(kind) for name, kind in KINDS.items()}


class IfMatch(BaseModel):
    if_match: str = Property(None, alias="If-Match", description="the ETag of the version you read "
                                                                       "(required; 428 without it)")


# -- summaries shared by matches and inquiries -------------------------------------------------------

class PostingSummary(Reply):
    id: int
    kind: Literal[tuple(KINDS)]
    ref: str
    title: str
    archived: bool
    links: PostingLinks


class OrganisationSummary(Reply):
    id: int
    name: str


class Match(Reply):
    listing: PostingSummary
    score: float
    reasons: list[str]
    estimated_cost_cny: float | None = Property(None, description="cheapest per-sample fee × sample count")


class Matches(Reply):
    need: PostingSummary
    matches: list[Match]


# -- inquiries, messages, quotes, orders ----------------------------------------------------------------

Body = text(MAX_MESSAGE, 1)


class InquiryCreate(Request):
    need_id: Id = Property(description="your organisation's open need")
    listing_id: Id = Property(description="the listing to ask about")
    body: Body


class MessageCreate(Request):
    body: Body


class QuoteCreate(Request):
    price_cny: Annotated[float, Property(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
    turnaround_days: Annotated[int, Property(ge=1, le=3650)]
    conditions: text(MAX_MESSAGE) = ""


class MessageOut(Reply):
    id: int
    author: str
    body: str
    created_at: AwareDatetime


class MessageList(Reply):
    items: list[MessageOut]


class OrderOut(Reply):
    id: int
    quote_id: int
    status: Literal[tuple(s.value for s in OrderStatus)]
    created_at: AwareDatetime
    completed_at: AwareDatetime | None


class QuoteOut(Reply):
    id: int
    inquiry_id: int
    price_cny: float
    net_price_cny: float | None = Property(None, description="after the requester's subsidy voucher")
    turnaround_days: int
    conditions: str
    status: Literal[tuple(s.value for s in QuoteStatus)]
    created_at: AwareDatetime
    decided_at: AwareDatetime | None
    order: OrderOut | None


class InquiryOut(Reply):
    id: int
    need: PostingSummary
    listing: PostingSummary
    requester: OrganisationSummary
    provider: OrganisationSummary
    created_at: AwareDatetime
    messages: list[MessageOut]
    quotes: list[QuoteOut]


class InquiryList(Reply):
    items: list[InquiryOut]


class Me(Reply):
    organisation: OrganisationSummary
    token_name: str
    scope: Literal["read", "read_write"]


# -- search ----------------------------------------------------------------------------------------------

class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: text(MAX_QUERY) = Property("", description="free text, Chinese and/or English")
    kind: list[Literal[LISTING_KINDS]] = None
    region: text(100) = None
    category: text(200) = None
    origin: Literal[ORIGINS] = None
    certification: list[text(50)] = None
    service_mode: list[Literal[SERVICE_MODES]] = None
    price_min: Annotated[float, Property(ge=0, allow_inf_nan=False)] = None
    price_max: Annotated[float, Property(ge=0, allow_inf_nan=False)] = None
    mode: Literal[MODES] = "hybrid"
    limit: Annotated[int, Property(ge=1, le=MAX_LIMIT)] = 20
    offset: Annotated[int, Property(ge=0, le=10_000)] = 0


class SearchResult(Reply):
    id: int
    ref: str
    kind: str
    title: str
    score: float
    highlights: dict[str, list[str]]


class FacetCount(Reply):
    value: str
    count: int


class SearchPage(Reply):
    total: int
    mode: Literal[MODES] = Property(description="what ran: keyword while the embedding model is still loading")
    results: list[SearchResult]
    facets: dict[str, list[FacetCount]]

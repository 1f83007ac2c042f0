"""Inquiries, messages, quotes, orders and reviews. Every state change is checked here, on the server.

State changes are conditional UPDATEs (`WHERE status = 'offered'`), so two people acting at once
cannot both win: the loser gets a Conflict, never a corrupted state.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.clock import lab_today, utcnow
from marketplace.kinds import FEE_UNITS, MAX_MONEY
from marketplace.messages import Phrase
from marketplace.models import (
    LISTING_KINDS,
    Inquiry,
    Message,
    NeedStatus,
    Order,
    OrderStatus,
    Posting,
    Quote,
    QuoteLine,
    QuoteStatus,
    Review,
    TestNeed,
    User,
)
from marketplace.services.access import is_member, require_member
from marketplace.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.services.notifications import notify_organisation
from marketplace.services.sharing import record_order_use
from marketplace.services.vouchers import NetPrice, net_quote_prices

MAX_MESSAGE = 5000
MAX_LINES = 30
MAX_QUANTITY = 1_000_000
DEFAULT_VALIDITY = timedelta(days=30)
MAX_VALIDITY = timedelta(days=366)
EXPIRED = "expired"  # an offered quote past its validity: shown as such, and it can no longer be accepted


@dataclass(frozen=True)
class LineItem:
    """One line of a quote as the provider writes it: 200 samples at ¥300 per sample."""

    item: str
    quantity: float
    unit: str  # one of marketplace.kinds.FEE_UNITS
    unit_price_cny: float


def message_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": Phrase("must not be empty")})
    if len(body) > MAX_MESSAGE:
        raise ValidationFailed({"body": Phrase("is too long (at most %(limit)d characters)", limit=MAX_MESSAGE)})
    return body


def inquiry_path(inquiry_id: int) -> str:
    return f"/inquiries/{inquiry_id}"


def get_inquiry(session: Session, actor: User, inquiry_id: int) -> Inquiry:
    """Only the two organisations in a thread may read it."""
    inquiry = session.get(Inquiry, inquiry_id)
    if inquiry is None:
        raise NotFound("No such inquiry.")
    if not (is_member(actor, inquiry.requester_id) or is_member(actor, inquiry.provider_id)):
        raise Forbidden("This conversation is private to the two organisations in it.")
    return inquiry


def quote_state(quote: Quote, today: date) -> str:
    """Its status as people read it: an offered quote past its validity is expired."""
    if quote.status is QuoteStatus.OFFERED and quote.valid_until is not None and quote.valid_until < today:
        return EXPIRED
    return quote.status.value


@dataclass(frozen=True)
class Thread:
    """An inquiry as one of its two organisations sees it."""

    inquiry: Inquiry
    net_prices: dict[int, NetPrice]  # quote id -> price after the requester's voucher
    states: dict[int, str]  # quote id -> quote_state
    is_provider: bool
    is_requester: bool
    suggested_lines: list[LineItem]  # a provider's new quote starts from its published prices


def suggested_lines(inquiry: Inquiry) -> list[LineItem]:
    """Lines from the listing's published prices: fees per sample or per test item times the need's samples."""
    listing, samples = inquiry.listing, getattr(inquiry.need, "sample_count", None) or 1
    fees = getattr(listing, "fees", None) or []
    if fees:
        return [LineItem(fee["item"], samples if fee["unit"] in ("sample", "item") else 1, fee["unit"],
                         fee["price_cny"]) for fee in fees[:MAX_LINES]]
    price = getattr(listing, "price_min_cny", None) or getattr(listing, "asking_price_cny", None)
    return [LineItem(listing.title[:200], 1, "item", price)] if price is not None else []


def thread(session: Session, actor: User, inquiry_id: int) -> Thread:
    inquiry = get_inquiry(session, actor, inquiry_id)
    today = lab_today()
    is_provider = is_member(actor, inquiry.provider_id)
    return Thread(inquiry, net_quote_prices(session, inquiry), {q.id: quote_state(q, today) for q in inquiry.quotes},
                  is_provider, is_member(actor, inquiry.requester_id),
                  suggested_lines(inquiry) if is_provider else [])


def provider_thread(session: Session, actor: User, inquiry_id: int) -> Thread:
    """The thread as its provider sees it, to show a refused quote again; nobody else may quote."""
    found = thread(session, actor, inquiry_id)
    require_member(actor, found.inquiry.provider_id, "quote on this inquiry")
    return found


def inquiries_for(session: Session, actor: User) -> list[Inquiry]:
    org = actor.organisation_id
    return list(session.scalars(select(Inquiry).where((Inquiry.requester_id == org) | (Inquiry.provider_id == org))
                                .order_by(Inquiry.created_at.desc())))


@dataclass(frozen=True)
class InquirySummary:
    inquiry: Inquiry
    other: str  # the other organisation's name
    latest: Quote | None
    latest_state: str | None


def inquiry_summaries(session: Session, actor: User) -> list[InquirySummary]:
    """The actor's threads, newest first, each with its latest quote and that quote's state."""
    today = lab_today()
    summaries = []
    for inquiry in inquiries_for(session, actor):
        other = inquiry.provider if is_member(actor, inquiry.requester_id) else inquiry.requester
        latest = inquiry.quotes[-1] if inquiry.quotes else None
        summaries.append(InquirySummary(inquiry, other.name, latest, quote_state(latest, today) if latest else None))
    return summaries


def open_inquiry(session: Session, actor: User, need_id: int, listing_id: int, body: str) -> Inquiry:
    """The SME contacts a provider about one of its needs; an existing thread is reused."""
    need = session.get(TestNeed, need_id)
    listing = session.get(Posting, listing_id)
    if need is None or listing is None or listing.kind not in LISTING_KINDS:
        raise NotFound("The need or the listing no longer exists.")
    require_member(actor, need.organisation_id, "contact providers about this need")
    if listing.organisation_id == need.organisation_id:
        raise ValidationFailed({"listing": Phrase("is your own organisation's listing")})
    if need.status is not NeedStatus.OPEN or not need.is_live:
        raise Conflict("This need is closed; reopen it before contacting providers.")
    if not listing.is_live:
        raise Conflict("This listing is archived; its provider no longer offers it.")
    text = message_body(body)
    inquiry = session.scalar(select(Inquiry).where(Inquiry.need_id == need_id, Inquiry.listing_id == listing_id))
    if inquiry is None:
        inquiry = Inquiry(need_id=need_id, listing_id=listing_id, requester_id=need.organisation_id,
                          provider_id=listing.organisation_id)
        session.add(inquiry)
    inquiry.messages.append(Message(author_id=actor.id, body=text))
    try:
        session.flush()
    except IntegrityError:  # the same thread was opened concurrently: add the message to that one
        session.rollback()
        return post_message(session, actor, session.scalar(select(Inquiry.id).where(
            Inquiry.need_id == need_id, Inquiry.listing_id == listing_id)), body)
    notify_organisation(session, inquiry.provider_id, Phrase("New inquiry: “%(title)s”", title=listing.title),
                        inquiry_path(inquiry.id))
    session.commit()
    return inquiry


def post_message(session: Session, actor: User, inquiry_id: int, body: str) -> Inquiry:
    inquiry = get_inquiry(session, actor, inquiry_id)
    inquiry.messages.append(Message(author_id=actor.id, body=message_body(body)))
    other = inquiry.provider_id if is_member(actor, inquiry.requester_id) else inquiry.requester_id
    notify_organisation(session, other, Phrase("New message"), inquiry_path(inquiry.id))
    session.commit()
    return inquiry


def get_quote(session: Session, actor: User, quote_id: int) -> Quote:
    quote = session.get(Quote, quote_id)
    if quote is None:
        raise NotFound("No such quote.")
    get_inquiry(session, actor, quote.inquiry_id)
    return quote


def _transition(session: Session, quote: Quote, new: QuoteStatus, *conditions) -> None:
    changed = session.execute(update(Quote).where(Quote.id == quote.id, Quote.status == QuoteStatus.OFFERED,
                                                  *conditions).values(status=new, decided_at=utcnow()))
    if changed.rowcount != 1:
        session.rollback()
        session.refresh(quote)
        if quote.status is QuoteStatus.OFFERED:  # only the extra conditions failed: it has expired
            raise Conflict("This quote expired on %(day)s; ask the provider for a new one.",
                           day=quote.valid_until.isoformat())
        raise Conflict("This quote is no longer on offer (it was withdrawn, accepted or declined).")
    session.refresh(quote)


def _line_errors(lines: Sequence[LineItem]) -> dict[str, Phrase]:
    errors: dict[str, Phrase] = {}
    units = {choice.value for choice in FEE_UNITS}
    if not lines:
        errors["lines"] = Phrase("add at least one line (item, quantity, unit price)")
    elif len(lines) > MAX_LINES:
        errors["lines"] = Phrase("at most %(count)d lines", count=MAX_LINES)
    for number, line in enumerate(lines):
        if not (line.item or "").strip() or len(line.item) > 200:
            errors[f"lines.{number}.item"] = Phrase("name the item (at most 200 characters)")
        if line.quantity is None or not 0 < line.quantity <= MAX_QUANTITY:
            errors[f"lines.{number}.quantity"] = Phrase("must be above 0 and at most 1,000,000")
        if line.unit not in units:
            errors[f"lines.{number}.unit"] = Phrase("choose a unit")
        if line.unit_price_cny is None or not 0 <= line.unit_price_cny <= MAX_MONEY:
            errors[f"lines.{number}.unit_price_cny"] = Phrase("must be a price from 0 to 10,000,000,000")
    if not errors and sum(line.quantity * line.unit_price_cny for line in lines) > MAX_MONEY:
        errors["lines"] = Phrase("the total must be at most 10,000,000,000")
    return errors


def offer_quote(session: Session, actor: User, inquiry_id: int, lines: Sequence[LineItem], turnaround_days: int,
                conditions: str = "", valid_until: date | None = None, today: date | None = None) -> Quote:
    """The provider's itemised offer; its total is computed here. It can be accepted until `valid_until`
    (by default 30 days from today)."""
    inquiry = get_inquiry(session, actor, inquiry_id)
    require_member(actor, inquiry.provider_id, "quote on this inquiry")
    today = today or lab_today()
    valid_until = valid_until or today + DEFAULT_VALIDITY
    errors = _line_errors(lines)
    if turnaround_days is None or not 0 < turnaround_days <= 3650:
        errors["turnaround_days"] = Phrase("must be from 1 to 3650 days")
    if not today <= valid_until <= today + MAX_VALIDITY:
        errors["valid_until"] = Phrase("must be from today to a year ahead")
    if len(conditions or "") > MAX_MESSAGE:
        errors["conditions"] = Phrase("is too long (at most %(limit)d characters)", limit=MAX_MESSAGE)
    if errors:
        raise ValidationFailed(errors)
    # A new quote replaces the one on offer, so the SME always sees one current price.
    session.execute(update(Quote).where(Quote.inquiry_id == inquiry.id, Quote.status == QuoteStatus.OFFERED)
                    .values(status=QuoteStatus.WITHDRAWN, decided_at=utcnow()))
    quote_lines = [QuoteLine(position=number, item=line.item.strip(), quantity=line.quantity, unit=line.unit,
                             unit_price_cny=line.unit_price_cny) for number, line in enumerate(lines)]
    total = round(sum(line.amount_cny for line in quote_lines), 2)
    quote = Quote(inquiry_id=inquiry.id, price_cny=total, lines=quote_lines, turnaround_days=turnaround_days,
                  valid_until=valid_until, conditions=(conditions or "").strip(), created_by_id=actor.id)
    session.add(quote)
    notify_organisation(session, inquiry.requester_id, Phrase("New quote: ¥%(price)s", price=f"{total:,.0f}"),
                        inquiry_path(inquiry.id))
    session.commit()
    return quote


def withdraw_quote(session: Session, actor: User, quote_id: int) -> Quote:
    quote = get_quote(session, actor, quote_id)
    require_member(actor, quote.inquiry.provider_id, "withdraw this quote")
    _transition(session, quote, QuoteStatus.WITHDRAWN)
    session.commit()
    return quote


def decline_quote(session: Session, actor: User, quote_id: int) -> Quote:
    quote = get_quote(session, actor, quote_id)
    require_member(actor, quote.inquiry.requester_id, "decline this quote")
    _transition(session, quote, QuoteStatus.DECLINED)
    session.commit()
    return quote


@dataclass(frozen=True)
class Acceptance:
    """What the requester confirms before accepting: the quote, its price after the voucher, its state."""

    quote: Quote
    net_price: NetPrice
    state: str


def acceptance(session: Session, actor: User, quote_id: int) -> Acceptance:
    quote = get_quote(session, actor, quote_id)
    require_member(actor, quote.inquiry.requester_id, "accept this quote")
    return Acceptance(quote, net_quote_prices(session, quote.inquiry)[quote.id], quote_state(quote, lab_today()))


def accept_quote(session: Session, actor: User, quote_id: int, today: date | None = None) -> Order:
    quote = get_quote(session, actor, quote_id)
    require_member(actor, quote.inquiry.requester_id, "accept this quote")
    _transition(session, quote, QuoteStatus.ACCEPTED,
                or_(Quote.valid_until.is_(None), Quote.valid_until >= (today or lab_today())))
    order = Order(quote_id=quote.id)
    session.add(order)
    notify_organisation(session, quote.inquiry.provider_id, Phrase("Quote accepted"), inquiry_path(quote.inquiry_id))
    session.commit()
    return order


def get_order(session: Session, actor: User, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("No such order.")
    get_inquiry(session, actor, order.quote.inquiry_id)
    return order


def complete_order(session: Session, actor: User, order_id: int) -> Order:
    order = get_order(session, actor, order_id)
    inquiry = order.quote.inquiry
    require_member(actor, inquiry.provider_id, "complete this order")
    changed = session.execute(update(Order).where(Order.id == order.id, Order.status == OrderStatus.IN_PROGRESS)
                              .values(status=OrderStatus.COMPLETED, completed_at=utcnow()))
    if changed.rowcount != 1:
        session.rollback()
        raise Conflict("Only an order in progress can be completed.")
    record_order_use(session, order, utcnow().date())
    notify_organisation(session, inquiry.requester_id, Phrase("Order completed — please review"),
                        inquiry_path(inquiry.id))
    session.commit()
    session.refresh(order)
    return order


def review_order(session: Session, actor: User, order_id: int, rating: int, comment: str = "") -> Review:
    order = get_order(session, actor, order_id)
    inquiry = order.quote.inquiry
    require_member(actor, inquiry.requester_id, "review this order")
    return add_review(session, actor, inquiry.listing_id, rating, comment, order_id=order.id,
                       reviewable=order.status is OrderStatus.COMPLETED)


def add_review(session: Session, actor: User, listing_id: int, rating: int, comment: str, *,
                reviewable: bool, order_id: int | None = None, booking_id: int | None = None) -> Review:
    listing = session.get(Posting, listing_id)
    if listing is not None and is_member(actor, listing.organisation_id):
        # e.g. a lab booking its own instrument: its rating would only flatter it.
        raise Forbidden("An organisation cannot review its own listing.")
    if not reviewable:
        raise Conflict("Only completed work can be reviewed.")
    errors = {}
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = Phrase("must be a whole number from 1 to 5")
    if len(comment or "") > MAX_MESSAGE:
        errors["comment"] = Phrase("is too long (at most %(limit)d characters)", limit=MAX_MESSAGE)
    if errors:
        raise ValidationFailed(errors)
    review = Review(order_id=order_id, booking_id=booking_id, listing_id=listing_id, author_id=actor.id,
                    rating=rating, comment=(comment or "").strip())
    session.add(review)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("This has already been reviewed; there is one review per order.") from None
    return review


def listing_rating(session: Session, listing_id: int) -> tuple[float | None, int]:
    average, count = session.execute(select(func.avg(Review.rating), func.count(Review.id))
                                     .where(Review.listing_id == listing_id)).one()
    return (float(average) if average is not None else None), count


def reviews_of(session: Session, listing_id: int) -> list[Review]:
    return list(session.scalars(select(Review).where(Review.listing_id == listing_id).order_by(Review.id.desc())))

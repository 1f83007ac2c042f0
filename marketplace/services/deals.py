"""Inquiries, messages, quotes, orders and reviews. Every state change is checked here, on the server.

State changes are conditional UPDATEs (`WHERE status = 'offered'`), so two people acting at once
cannot both win: the loser gets a Conflict, never a corrupted state.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
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


def _message_body(body: str) -> str:
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


@dataclass(frozen=True)
class Thread:
    """An inquiry as one of its two organisations sees it."""

    inquiry: Inquiry
    net_prices: dict[int, NetPrice]  # quote id -> price after the requester's voucher
    is_provider: bool
    is_requester: bool


def thread(session: Session, actor: User, inquiry_id: int) -> Thread:
    inquiry = get_inquiry(session, actor, inquiry_id)
    return Thread(inquiry, net_quote_prices(session, inquiry), is_member(actor, inquiry.provider_id),
                  is_member(actor, inquiry.requester_id))


def inquiries_for(session: Session, actor: User) -> list[Inquiry]:
    org = actor.organisation_id
    return list(session.scalars(select(Inquiry).where((Inquiry.requester_id == org) | (Inquiry.provider_id == org))
                                .order_by(Inquiry.created_at.desc())))


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
    text = _message_body(body)
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
    inquiry.messages.append(Message(author_id=actor.id, body=_message_body(body)))
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


def _transition(session: Session, quote: Quote, new: QuoteStatus) -> None:
    changed = session.execute(update(Quote).where(Quote.id == quote.id, Quote.status == QuoteStatus.OFFERED)
                              .values(status=new, decided_at=utcnow()))
    if changed.rowcount != 1:
        session.rollback()
        raise Conflict("This quote is no longer on offer (it was withdrawn, accepted or declined).")
    session.refresh(quote)


def offer_quote(session: Session, actor: User, inquiry_id: int, price_cny: float, turnaround_days: int,
                conditions: str = "") -> Quote:
    inquiry = get_inquiry(session, actor, inquiry_id)
    require_member(actor, inquiry.provider_id, "quote on this inquiry")
    errors = {}
    if price_cny is None or price_cny < 0 or price_cny > 1e10:
        errors["price_cny"] = Phrase("must be a price from 0 to 10,000,000,000")
    if turnaround_days is None or not 0 < turnaround_days <= 3650:
        errors["turnaround_days"] = Phrase("must be from 1 to 3650 days")
    if len(conditions or "") > MAX_MESSAGE:
        errors["conditions"] = Phrase("is too long (at most %(limit)d characters)", limit=MAX_MESSAGE)
    if errors:
        raise ValidationFailed(errors)
    # A new quote replaces the one on offer, so the SME always sees one current price.
    session.execute(update(Quote).where(Quote.inquiry_id == inquiry.id, Quote.status == QuoteStatus.OFFERED)
                    .values(status=QuoteStatus.WITHDRAWN, decided_at=utcnow()))
    quote = Quote(inquiry_id=inquiry.id, price_cny=price_cny, turnaround_days=turnaround_days,
                  conditions=(conditions or "").strip(), created_by_id=actor.id)
    session.add(quote)
    notify_organisation(session, inquiry.requester_id, Phrase("New quote: ¥%(price)s", price=f"{price_cny:,.0f}"),
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


def accept_quote(session: Session, actor: User, quote_id: int) -> Order:
    quote = get_quote(session, actor, quote_id)
    require_member(actor, quote.inquiry.requester_id, "accept this quote")
    _transition(session, quote, QuoteStatus.ACCEPTED)
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

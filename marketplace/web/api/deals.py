"""/api/v1/inquiries, /quotes, /orders and /me: the private side of the API, for the two organisations
in a thread, through the same services (and permission checks) as the site."""
from __future__ import annotations

from flask import Blueprint, request, url_for

from marketplace.services import api_tokens, deals
from marketplace.services.api_tokens import TokenActor
from marketplace.web.api import representations as show
from marketplace.web.api import schemas
from marketplace.web.api.auth import reader, writer
from marketplace.web.api.openapi import TOKEN, describe, follow, responses, spec
from marketplace.web.context import db_session

bp = Blueprint("api_deals", __name__, url_prefix="/api/v1")
ID = "<int:{}>"
TAGS = ["Inquiries and quotes"]


def _thread(actor: TokenActor, inquiry_id: int) -> schemas.InquiryOut:
    return show.inquiry(deals.thread(db_session(), actor, inquiry_id))


def _created(body, location: str):
    return body, 201, {"Location": location}


@bp.get("/me")
@spec.validate(operation_id="read_me", resp=responses(HTTP_200=schemas.Me), tags=["Tokens"], security=TOKEN)
def read_me():
    """The token's organisation and scope"""
    actor = reader()
    token = api_tokens.token_of(db_session(), actor)
    return schemas.Me(organisation=schemas.OrganisationSummary(id=token.organisation.id, name=token.organisation.name),
                      token_name=token.name, scope=token.scope.value)


@bp.get("/inquiries")
@spec.validate(operation_id="list_inquiries", resp=responses(HTTP_200=schemas.InquiryList), tags=TAGS,
               security=TOKEN)
def list_inquiries():
    """Your organisation's inquiries\n\nAs requester or provider, newest first, with their messages and quotes."""
    actor = reader()
    found = deals.inquiries_for(db_session(), actor)
    return schemas.InquiryList(items=[_thread(actor, inquiry.id) for inquiry in found])


@bp.post("/inquiries")
@spec.validate(operation_id=describe("create_inquiry", headers={201: ("Location",)}, links={201: {
    "read": follow("read_inquiry", inquiry_id="$response.body#/id"),
    "messages": follow("list_messages", inquiry_id="$response.body#/id"),
    "write": follow("create_message", inquiry_id="$response.body#/id"),
    "quote": follow("create_quote", inquiry_id="$response.body#/id")}}), json=schemas.InquiryCreate,
               resp=responses(400, 403, 404, 409, 415, HTTP_201=schemas.InquiryOut), tags=TAGS, security=TOKEN)
def create_inquiry():
    """Contact a provider about one of your needs\n\nAn existing thread of the same need and listing gets the
    message instead of a new thread."""
    actor, body = writer(), request.context.json
    inquiry = deals.open_inquiry(db_session(), actor, body.need_id, body.listing_id, body.body)
    return _created(_thread(actor, inquiry.id), url_for(".read_inquiry", inquiry_id=inquiry.id))


@bp.get(f"/inquiries/{ID.format('inquiry_id')}")
@spec.validate(operation_id="read_inquiry", resp=responses(403, 404, HTTP_200=schemas.InquiryOut), tags=TAGS,
               security=TOKEN)
def read_inquiry(inquiry_id: int):
    """Read a thread\n\nOnly its two organisations can."""
    return _thread(reader(), inquiry_id)


@bp.get(f"/inquiries/{ID.format('inquiry_id')}/messages")
@spec.validate(operation_id="list_messages", resp=responses(403, 404, HTTP_200=schemas.MessageList), tags=TAGS,
               security=TOKEN)
def list_messages(inquiry_id: int):
    """A thread's messages, oldest first"""
    inquiry = deals.get_inquiry(db_session(), reader(), inquiry_id)
    return schemas.MessageList(items=[show.message(m) for m in inquiry.messages])


@bp.post(f"/inquiries/{ID.format('inquiry_id')}/messages")
@spec.validate(operation_id=describe("create_message", headers={201: ("Location",)}), json=schemas.MessageCreate,
               resp=responses(400, 403, 404, 415, HTTP_201=schemas.MessageOut), tags=TAGS, security=TOKEN)
def create_message(inquiry_id: int):
    """Write in a thread"""
    inquiry = deals.post_message(db_session(), writer(), inquiry_id, request.context.json.body)
    return _created(show.message(inquiry.messages[-1]), url_for(".list_messages", inquiry_id=inquiry_id))


@bp.post(f"/inquiries/{ID.format('inquiry_id')}/quotes")
@spec.validate(operation_id=describe("create_quote", headers={201: ("Location",)}, links={201: {
    "read": follow("read_quote", quote_id="$response.body#/id"),
    "accept": follow("accept_quote", quote_id="$response.body#/id"),
    "decide": follow("decide_quote", quote_id="$response.body#/id")}}), json=schemas.QuoteCreate,
               resp=responses(400, 403, 404, 415, HTTP_201=schemas.QuoteOut), tags=TAGS, security=TOKEN)
def create_quote(inquiry_id: int):
    """Quote on an inquiry (the provider)\n\nIt replaces the quote on offer, if any."""
    body = request.context.json
    quote = deals.offer_quote(db_session(), writer(), inquiry_id, body.price_cny, body.turnaround_days,
                              body.conditions)
    return _created(show.quote(quote), url_for(".read_quote", quote_id=quote.id))


@bp.get(f"/quotes/{ID.format('quote_id')}")
@spec.validate(operation_id="read_quote", resp=responses(403, 404, HTTP_200=schemas.QuoteOut), tags=TAGS,
               security=TOKEN)
def read_quote(quote_id: int):
    """Read a quote"""
    actor = reader()
    quote = deals.get_quote(db_session(), actor, quote_id)
    return next(q for q in _thread(actor, quote.inquiry_id).quotes if q.id == quote.id)


@bp.post(f"/quotes/{ID.format('quote_id')}/accept")
@spec.validate(operation_id=describe("accept_quote", headers={201: ("Location",)},
                                     links={201: {"read": follow("read_order", order_id="$response.body#/id")}}),
               resp=responses(403, 404, 409, HTTP_201=schemas.OrderOut), tags=TAGS, security=TOKEN)
def accept_quote(quote_id: int):
    """Accept a quote (the requester)\n\nIt becomes an order; 409 when it is no longer on offer."""
    order = deals.accept_quote(db_session(), writer(), quote_id)
    return _created(show.order(order), url_for(".read_order", order_id=order.id))


@bp.post(f"/quotes/{ID.format('quote_id')}/<any(decline, withdraw):decision>")
@spec.validate(operation_id="decide_quote", resp=responses(403, 404, 409, HTTP_200=schemas.QuoteOut), tags=TAGS,
               security=TOKEN)
def decide_quote(quote_id: int, decision: str):
    """Decline a quote (the requester) or withdraw it (the provider)\n\n409 when it is no longer on offer."""
    decide = deals.decline_quote if decision == "decline" else deals.withdraw_quote
    return show.quote(decide(db_session(), writer(), quote_id))


@bp.get(f"/orders/{ID.format('order_id')}")
@spec.validate(operation_id="read_order", resp=responses(403, 404, HTTP_200=schemas.OrderOut), tags=TAGS,
               security=TOKEN)
def read_order(order_id: int):
    """Read an order"""
    return show.order(deals.get_order(db_session(), reader(), order_id))

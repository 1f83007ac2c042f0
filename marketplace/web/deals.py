"""Inquiry threads, quotes, orders and reviews."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.services import deals
from marketplace.web.context import db_session, render_page
from marketplace.web.forms import InquiryForm, MessageForm, QuoteForm, ReviewForm

bp = Blueprint("deals", __name__)


@bp.before_request
@login_required
def _signed_in_only():
    return None


def _valid(form) -> None:
    """Form-level errors become a 422 with the messages; services re-check everything anyway."""
    if not form.validate_on_submit():
        messages = "; ".join(f"{getattr(form, name).label.text}: {' '.join(errs)}" for name,
                             errs in form.errors.items())
        abort(422, description=messages)


@bp.post("/needs/<int:need_id>/contact/<int:listing_id>")
def contact(need_id: int, listing_id: int):
    form = MessageForm()
    _valid(form)
    inquiry = deals.open_inquiry(db_session(), current_user, need_id, listing_id, form.body.data)
    return redirect(url_for(".thread", inquiry_id=inquiry.id))


@bp.post("/listings/<int:listing_id>/inquiries")
def ask(listing_id: int):
    """From a listing's page: a quote request or a question about one of the reader's needs."""
    form = InquiryForm()
    _valid(form)
    inquiry = deals.open_inquiry(db_session(), current_user, form.need_id.data, listing_id, form.body.data)
    return redirect(url_for(".thread", inquiry_id=inquiry.id))


@bp.get("/inquiries/")
def inquiries():
    return render_template("deals/inquiries.html", inquiries=deals.inquiries_for(db_session(), current_user))


def _thread_context(inquiry_id: int) -> dict:
    found = deals.thread(db_session(), current_user, inquiry_id)
    return {"inquiry": found.inquiry, "net_prices": found.net_prices, "is_provider": found.is_provider,
            "is_requester": found.is_requester, "message_form": MessageForm(), "quote_form": QuoteForm(),
            "review_form": ReviewForm()}


@bp.get("/inquiries/<int:inquiry_id>")
def thread(inquiry_id: int):
    return render_page("deals/thread.html", "deals/_thread.html", **_thread_context(inquiry_id))


@bp.post("/inquiries/<int:inquiry_id>/messages")
def message(inquiry_id: int):
    form = MessageForm()
    _valid(form)
    deals.post_message(db_session(), current_user, inquiry_id, form.body.data)
    return _back(inquiry_id)


@bp.post("/inquiries/<int:inquiry_id>/quotes")
def quote(inquiry_id: int):
    form = QuoteForm()
    _valid(form)
    deals.offer_quote(db_session(), current_user, inquiry_id, float(form.price_cny.data), form.turnaround_days.data,
                      form.conditions.data)
    return _back(inquiry_id)


@bp.post("/quotes/<int:quote_id>/<any(accept, decline, withdraw):action>")
def decide_quote(quote_id: int, action: str):
    session = db_session()
    if action == "accept":
        order = deals.accept_quote(session, current_user, quote_id)
        inquiry_id = order.quote.inquiry_id
    else:
        inquiry_id = getattr(deals, f"{action}_quote")(session, current_user, quote_id).inquiry_id
    return _back(inquiry_id)


@bp.post("/orders/<int:order_id>/complete")
def complete(order_id: int):
    order = deals.complete_order(db_session(), current_user, order_id)
    return _back(order.quote.inquiry_id)


@bp.post("/orders/<int:order_id>/review")
def review(order_id: int):
    form = ReviewForm()
    _valid(form)
    order = deals.get_order(db_session(), current_user, order_id)
    deals.review_order(db_session(), current_user, order_id, form.rating.data, form.comment.data)
    flash(_("Thank you for the review."))
    return _back(order.quote.inquiry_id)


def _back(inquiry_id: int):
    """htmx gets the re-rendered thread; a plain form post gets redirected to it."""
    if request.headers.get("HX-Request") == "true":
        return render_template("deals/_thread.html", **_thread_context(inquiry_id))
    return redirect(url_for(".thread", inquiry_id=inquiry_id))

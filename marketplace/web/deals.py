"""Inquiry threads, itemised quotes (accepted after a confirmation step), orders, reviews, and asking for a
quote from any listing's page."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.clock import lab_today
from marketplace.kinds import by_slug
from marketplace.services import deals, quote_requests
from marketplace.services.deals import DEFAULT_VALIDITY
from marketplace.services.errors import ValidationFailed
from marketplace.web.context import db_session, render_page
from marketplace.web.forms import MessageForm, ReviewForm
from marketplace.web.i18n import attach_errors
from marketplace.web.quote_forms import BLANK_LINES, NEW_NEED, QuoteForm, QuoteRequestForm

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


@bp.get("/inquiries/")
def inquiries():
    return render_template("deals/inquiries.html", summaries=deals.inquiry_summaries(db_session(), current_user))


def _new_quote_form(found: deals.Thread) -> QuoteForm:
    """The provider's quote form, starting from the listing's published prices."""
    lines = [{"item": line.item, "quantity": Decimal(f"{line.quantity:g}"), "unit": line.unit,
              "unit_price_cny": line.unit_price_cny} for line in found.suggested_lines]
    form = QuoteForm(formdata=None, data={"lines": lines, "valid_until": lab_today() + DEFAULT_VALIDITY})
    for _blank in range(BLANK_LINES):
        form.lines.append_entry()
    return form


def _thread_context(inquiry_id: int, quote_form: QuoteForm | None = None, found: deals.Thread | None = None) -> dict:
    found = found or deals.thread(db_session(), current_user, inquiry_id)
    return {"inquiry": found.inquiry, "need": found.inquiry.need, "net_prices": found.net_prices,
            "states": found.states, "is_provider": found.is_provider, "is_requester": found.is_requester,
            "message_form": MessageForm(), "quote_form": quote_form or _new_quote_form(found),
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
    if form.validate_on_submit():
        try:
            deals.offer_quote(db_session(), current_user, inquiry_id, form.line_items(), form.turnaround_days.data,
                              form.conditions.data, form.valid_until.data)
            return _back(inquiry_id)
        except ValidationFailed as failure:
            attach_errors(form, failure.errors)
    found = deals.provider_thread(db_session(), current_user, inquiry_id)
    return render_template("deals/thread.html", **_thread_context(inquiry_id, form, found), quote_form_open=True), 422


@bp.get("/quotes/<int:quote_id>/accept")
def confirm_acceptance(quote_id: int):
    """The confirmation step before accepting: the quote's lines, total, voucher and validity."""
    found = deals.acceptance(db_session(), current_user, quote_id)
    return render_template("deals/accept.html", acceptance=found, quote=found.quote, inquiry=found.quote.inquiry)


@bp.post("/quotes/<int:quote_id>/<any(accept, decline, withdraw):action>")
def decide_quote(quote_id: int, action: str):
    session = db_session()
    if action == "accept":
        order = deals.accept_quote(session, current_user, quote_id)
        flash(_("Quote accepted: the order is placed and the provider has been told."))
        return redirect(url_for(".thread", inquiry_id=order.quote.inquiry_id))
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


def _request_page(kind: str, listing_id: int, form: QuoteRequestForm | None = None, status: int = 200):
    found = quote_requests.quote_request(db_session(), current_user, kind, listing_id)
    form = form or QuoteRequestForm(formdata=None, data={
        "title": _("Request a quote: %(title)s", title=found.listing.title)[:300], "need": NEW_NEED})
    form.need.choices = [(need.id, need.title) for need in found.needs] + [(NEW_NEED, _("A new need, described below"))]
    return render_template("deals/quote_request.html", view=found, listing=found.listing, form=form), status


@bp.route("/<slug>/<int:listing_id>/quote-request", methods=["GET", "POST"])
def quote_request(slug: str, listing_id: int):
    """Ask the provider of any listing for a quote, about an open need or a new one."""
    kind = by_slug(slug)
    if kind is None or not kind.is_listing:
        abort(404)
    if request.method == "GET":
        return _request_page(kind.name, listing_id)
    form = QuoteRequestForm()
    if form.validate_on_submit():
        new_need = quote_requests.NewNeed(form.title.data or "", form.sample_count.data, form.sample_type.data or "",
                                          form.deadline.data) if form.need.data == NEW_NEED else None
        try:
            inquiry = quote_requests.request_quote(db_session(), current_user, kind.name, listing_id,
                                                   form.body.data, form.need.data or None, new_need)
        except ValidationFailed as failure:
            attach_errors(form, failure.errors)
        else:
            flash(_("Your request has been sent; the provider's quote will appear here."))
            return redirect(url_for(".thread", inquiry_id=inquiry.id))
    return _request_page(kind.name, listing_id, form, 422)

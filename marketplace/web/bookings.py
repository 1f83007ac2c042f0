"""Instrument calendars and booking requests."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.clock import utcnow
from marketplace.messages import Phrase
from marketplace.services import bookings
from marketplace.services.errors import ValidationFailed
from marketplace.web.context import db_session, render_page
from marketplace.web.forms import BookingForm, DecisionForm, ReviewForm
from marketplace.web.i18n import localise_errors

bp = Blueprint("bookings", __name__)


def _calendar_page(instrument_id: int, form: BookingForm, status: int = 200):
    found = bookings.calendar(db_session(), current_user, instrument_id, request.args.get("week"))
    return render_page("bookings/calendar.html", "bookings/_week.html", calendar=found, instrument=found.instrument,
                       form=form, decision_form=DecisionForm(), review_form=ReviewForm()), status


@bp.get("/instruments/<int:instrument_id>/calendar")
def calendar(instrument_id: int):
    return _calendar_page(instrument_id, BookingForm())


@bp.post("/instruments/<int:instrument_id>/bookings")
@login_required
def request_booking(instrument_id: int):
    form = BookingForm()
    if not form.validate_on_submit():
        return _calendar_page(instrument_id, form, 422)
    try:
        bookings.request_booking(db_session(), current_user, instrument_id, form.start_at.data, form.end_at.data,
                                 form.purpose.data, form.sample_count.data)
    except ValidationFailed as failure:
        for field, message in localise_errors(failure.errors).items():
            getattr(form, field).errors = [message]
        return _calendar_page(instrument_id, form, 422)
    return redirect(url_for(".calendar", instrument_id=instrument_id, week=form.start_at.data.date().isoformat()))


@bp.post("/bookings/<int:booking_id>/<any(approve, decline, cancel, complete):action>")
@login_required
def decide(booking_id: int, action: str):
    session = db_session()
    if action in ("approve", "decline"):
        booking = bookings.decide_booking(session, current_user, booking_id, action == "approve",
                                          request.form.get("note", ""))
    else:
        booking = getattr(bookings, f"{action}_booking")(session, current_user, booking_id)
    return redirect(request.referrer or url_for(".calendar", instrument_id=booking.instrument_id))


@bp.post("/bookings/<int:booking_id>/review")
@login_required
def review(booking_id: int):
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(422, description=_("The rating must be from 1 to 5."))
    bookings.review_booking(db_session(), current_user, booking_id, form.rating.data, form.comment.data)
    return redirect(url_for("dashboard.index"))


@bp.get("/bookings/")
@login_required
def mine():
    session = db_session()
    return render_template("bookings/mine.html", requested=bookings.bookings_of_requester(session, current_user),
                           received=bookings.bookings_for_owner(session, current_user), review_form=ReviewForm())

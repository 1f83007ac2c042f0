"""Instrument calendars, booking requests with a confirmation step, the lab's bookings and opening hours."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.clock import lab_today
from marketplace.kinds import INSTRUMENT
from marketplace.services import bookings, opening_hours
from marketplace.services.errors import ValidationFailed
from marketplace.web.booking_forms import BookingForm, DecisionForm, OpeningDateForm, WeeklyHoursForm
from marketplace.web.context import db_session, render_page
from marketplace.web.forms import ReviewForm
from marketplace.web.i18n import attach_errors, localise

bp = Blueprint("bookings", __name__)
FEES = INSTRUMENT.field("fees")


def _fee_choices(calendar: bookings.Calendar) -> list[tuple[int, str]]:
    return [(number, _("%(item)s: ¥%(price)s / %(unit)s", item=fee["item"], price=f"{fee['price_cny']:g}",
                       unit=localise(FEES.choice_label(fee["unit"]))))
            for number, fee in enumerate(calendar.fees)]


def _prefilled(calendar: bookings.Calendar) -> BookingForm:
    """A new request; a free slot's link in the calendar fills in its start and end."""
    form = BookingForm()
    for name in ("start_at", "end_at"):
        try:
            form[name].data = datetime.strptime(request.args.get(name.removesuffix("_at"), ""), "%Y-%m-%dT%H:%M")
        except ValueError:
            pass
    form.fee.data = calendar.default_fee
    return form


def _calendar_page(instrument_id: int, form: BookingForm | None = None, status: int = 200):
    found = bookings.calendar(db_session(), current_user, instrument_id, request.args.get("week"))
    form = form or _prefilled(found)
    form.fee.choices = _fee_choices(found)
    return render_page("bookings/calendar.html", "bookings/_week.html", calendar=found, instrument=found.instrument,
                       form=form, decision_form=DecisionForm()), status


@bp.get("/instruments/<int:instrument_id>/calendar")
def calendar(instrument_id: int):
    return _calendar_page(instrument_id)


def _submit(submit):
    """The posted request and `submit(form)`'s result, or None with the reasons on the form."""
    form = BookingForm()
    if form.validate_on_submit():
        try:
            return form, submit(form)
        except ValidationFailed as failure:
            attach_errors(form, failure.errors)
    return form, None


@bp.post("/instruments/<int:instrument_id>/bookings/check")
@login_required
def check(instrument_id: int):
    """The confirmation step: what will be requested and what it is estimated to cost."""
    form, checked = _submit(lambda f: bookings.check_booking(
        db_session(), current_user, instrument_id, f.start_at.data, f.end_at.data, f.purpose.data,
        f.sample_count.data, f.fee.data))
    if checked is None:
        return _calendar_page(instrument_id, form, 422)
    return render_template("bookings/confirm.html", form=form, booking=checked, instrument=checked.instrument)


@bp.post("/instruments/<int:instrument_id>/bookings")
@login_required
def request_booking(instrument_id: int):
    form, booking = _submit(lambda f: bookings.request_booking(
        db_session(), current_user, instrument_id, f.start_at.data, f.end_at.data, f.purpose.data,
        f.sample_count.data, fee_index=f.fee.data))
    if booking is None:
        return _calendar_page(instrument_id, form, 422)
    flash(_("Booking requested. The lab will approve or decline it; you will be notified."))
    return redirect(url_for(".calendar", instrument_id=instrument_id, week=booking.start_at.date().isoformat()))


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
    flash(_("Thank you for the review."))
    return redirect(url_for(".mine"))


@bp.get("/bookings/")
@login_required
def mine():
    session = db_session()
    return render_template("bookings/mine.html", requested=bookings.bookings_of_requester(session, current_user),
                           received=bookings.owner_bookings(session, current_user), review_form=ReviewForm(),
                           decision_form=DecisionForm())


def _hours_page(instrument_id: int, weekly: WeeklyHoursForm | None = None, dated: OpeningDateForm | None = None,
                status: int = 200):
    settings = opening_hours.hours_settings(db_session(), current_user, instrument_id, lab_today())
    if weekly is None:
        weekly = WeeklyHoursForm(formdata=None)
        weekly.load(settings.weekly_text)
    return render_template("bookings/hours.html", settings=settings, instrument=settings.instrument,
                           weekly=weekly, dated=dated or OpeningDateForm(formdata=None)), status


@bp.route("/instruments/<int:instrument_id>/hours", methods=["GET", "POST"])
@login_required
def hours(instrument_id: int):
    if request.method == "GET":
        return _hours_page(instrument_id)
    form = WeeklyHoursForm()
    if form.validate_on_submit():
        try:
            opening_hours.set_weekly_hours(db_session(), current_user, instrument_id, form.texts())
        except ValidationFailed as failure:
            attach_errors(form, failure.errors)
        else:
            flash(_("Opening hours saved."))
            return redirect(url_for(".hours", instrument_id=instrument_id))
    return _hours_page(instrument_id, weekly=form, status=422)


@bp.post("/instruments/<int:instrument_id>/hours/dates")
@login_required
def add_date(instrument_id: int):
    form = OpeningDateForm()
    if form.validate_on_submit():
        try:
            opening_hours.set_date_hours(db_session(), current_user, instrument_id, form.day.data, form.hours.data,
                                         form.note.data, lab_today())
        except ValidationFailed as failure:
            attach_errors(form, failure.errors)
        else:
            flash(_("Date saved."))
            return redirect(url_for(".hours", instrument_id=instrument_id))
    return _hours_page(instrument_id, dated=form, status=422)


@bp.post("/instruments/<int:instrument_id>/hours/dates/<int:date_id>/delete")
@login_required
def remove_date(instrument_id: int, date_id: int):
    opening_hours.remove_date(db_session(), current_user, instrument_id, date_id)
    return redirect(url_for(".hours", instrument_id=instrument_id))

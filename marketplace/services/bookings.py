"""Booking instrument time as a lab runs it. Approved bookings of one instrument never overlap.

A request must start at least the instrument's lead time ahead, lie on its slot grid and within its opening
hours (services/opening_hours.py); it carries a price estimate from the fee the requester chose, with their
organisation's subsidy voucher applied. Approval is a single conditional UPDATE that also checks for
overlaps, taken under a lock on the instrument row (PostgreSQL; SQLite serialises writers anyway), so two
approvals cannot race. Times are the lab's wall-clock times (`lab_now`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session, aliased

from marketplace.clock import lab_now, utcnow
from marketplace.kinds import posting_path
from marketplace.messages import Phrase
from marketplace.models import Booking, BookingStatus, Posting, SharedInstrument, User
from marketplace.services import opening_hours, vouchers
from marketplace.services.access import is_member, require_member, require_organisation
from marketplace.services.deals import add_review
from marketplace.services.errors import Conflict, NotFound, ValidationFailed
from marketplace.services.notifications import notify_organisation
from marketplace.services.sharing import record_booking_use

MAX_BOOKING = timedelta(days=14)
MAX_ADVANCE = timedelta(days=366)
ACTIVE = (BookingStatus.REQUESTED, BookingStatus.APPROVED)
FIRST_WEEK, LAST_WEEK = date(2000, 1, 3), date(2100, 12, 27)  # Mondays; a calendar pages a week either way


def calendar_path(instrument_id: int) -> str:
    return posting_path("instrument", instrument_id) + "/calendar"


# Where a notification takes each side: the booking's card in the lab's list, or in the requester's.
def received_path(booking_id: int) -> str:
    return f"/bookings/#booking-{booking_id}"


def request_path(booking_id: int) -> str:
    return f"/bookings/#request-{booking_id}"


def _instrument(session: Session, instrument_id: int) -> SharedInstrument:
    instrument = session.get(SharedInstrument, instrument_id)
    if instrument is None:
        raise NotFound("No such shared instrument.")
    return instrument


def _lock_instrument(session: Session, instrument_id: int) -> None:
    """Serialise approvals per instrument (PostgreSQL row lock; a no-op on SQLite, which has one writer)."""
    session.execute(select(Posting.id).where(Posting.id == instrument_id).with_for_update())


def _overlapping_approved(instrument_id: int, start: datetime, end: datetime, other=Booking):
    return and_(other.instrument_id == instrument_id, other.status == BookingStatus.APPROVED,
                other.start_at < end, other.end_at > start)


def earliest_start(instrument: SharedInstrument, now: datetime) -> datetime:
    """The first moment the instrument's lead time allows a booking to start."""
    return now + timedelta(hours=instrument.booking_lead_hours or 0)


def default_fee(instrument: SharedInstrument, sample_count: int | None = None) -> int | None:
    """The fee a booking is priced by unless the requester picks another: the first per-hour fee, else the first
    fee its figures can price (a per-sample fee needs the sample count), else none."""
    fees = instrument.fees or []
    hourly = next((i for i, fee in enumerate(fees) if fee["unit"] == "hour"), None)
    priceable = (i for i, fee in enumerate(fees) if fee["unit"] != "sample" or sample_count)
    return hourly if hourly is not None else next(priceable, None)


def fee_quantity(unit: str, start: datetime, end: datetime, sample_count: int | None) -> float | None:
    """How many of a fee's unit a slot uses; None when a per-sample fee has no sample count to go by."""
    if unit == "hour":
        return round((end - start).total_seconds() / 3600, 2)
    if unit == "sample":
        return sample_count
    if unit == "day":
        return float(((end - timedelta(microseconds=1)).date() - start.date()).days + 1)
    return 1.0


@dataclass(frozen=True)
class Estimate:
    """The price of a requested slot by one of the instrument's fees, before and after the voucher."""

    fee_index: int | None
    fee: dict[str, Any] | None  # {"item", "price_cny", "unit"}; None when the lab publishes no fee
    quantity: float
    price: vouchers.NetPrice | None


@dataclass(frozen=True)
class BookingRequest:
    """A checked request, not yet saved: what the confirmation step shows."""

    instrument: SharedInstrument
    start_at: datetime
    end_at: datetime
    purpose: str
    sample_count: int | None
    estimate: Estimate

    @property
    def hours(self) -> float:
        return (self.end_at - self.start_at).total_seconds() / 3600


def check_booking(session: Session, actor: User, instrument_id: int, start_at: datetime, end_at: datetime,
                  purpose: str = "", sample_count: int | None = None, fee_index: int | None = None,
                  now: datetime | None = None) -> BookingRequest:
    """Every rule a request must meet, and its price; nothing is written (the confirmation step)."""
    require_organisation(actor)
    instrument = _instrument(session, instrument_id)
    if not instrument.is_live:
        raise Conflict("This instrument is archived; it takes no new bookings.")
    now = now or lab_now()
    errors = {}
    slot = opening_hours.slot_minutes(instrument)
    if end_at <= start_at:
        errors["end_at"] = Phrase("must be after the start")
    elif end_at - start_at > MAX_BOOKING:
        errors["end_at"] = Phrase("a booking can last at most 14 days")
    if start_at < now:
        errors["start_at"] = Phrase("must be in the future")
    elif start_at < earliest_start(instrument, now):
        errors["start_at"] = Phrase("must be at least %(hours)d hours ahead, the lab's lead time (the earliest is "
                                    "%(earliest)s)", hours=instrument.booking_lead_hours,
                                    earliest=_on_grid(earliest_start(instrument, now), slot).strftime("%Y-%m-%d %H:%M"))
    elif start_at > now + MAX_ADVANCE:
        errors["start_at"] = Phrase("can be at most a year ahead")
    for name, moment in (("start_at", start_at), ("end_at", end_at)):
        if name not in errors and ((moment.hour * 60 + moment.minute) % slot or moment.second or moment.microsecond):
            errors[name] = Phrase("must be on the %(minutes)d-minute booking grid (e.g. %(example)s)",
                                  minutes=slot, example=_grid_example(slot))
    if not errors:
        found = opening_hours.schedule(session, instrument.id, start_at.date(), end_at.date())
        if not found.covers(start_at, end_at):
            errors["start_at"] = Phrase("the time is outside the instrument's opening hours; pick free time in the "
                                        "calendar")
    if len(purpose or "") > 2000:
        errors["purpose"] = Phrase("is too long (at most 2000 characters)")
    if sample_count is not None and not 0 < sample_count <= 1_000_000:
        errors["sample_count"] = Phrase("must be from 1 to 1,000,000")
    estimate = None
    if "end_at" not in errors and "sample_count" not in errors:
        estimate = _estimate(session, actor, instrument, start_at, end_at, sample_count, fee_index, errors)
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(exists().where(_overlapping_approved(instrument.id, start_at, end_at)))):
        raise Conflict("That time overlaps a booking that is already approved; pick a free slot in the calendar.")
    return BookingRequest(instrument, start_at, end_at, (purpose or "").strip(), sample_count, estimate)


def _on_grid(moment: datetime, slot: int) -> datetime:
    """The first grid time at or after `moment`."""
    midnight = datetime.combine(moment.date(), datetime.min.time())
    return midnight + timedelta(minutes=slot * math.ceil((moment - midnight).total_seconds() / 60 / slot))


def _grid_example(slot: int) -> str:
    return ", ".join(opening_hours.clock(9 * 60 + i * slot) for i in range(3) if 9 * 60 + i * slot < 24 * 60)


def _estimate(session: Session, actor: User, instrument: SharedInstrument, start_at: datetime, end_at: datetime,
              sample_count: int | None, fee_index: int | None, errors: dict) -> Estimate:
    fees = instrument.fees or []
    if fee_index is None:
        fee_index = default_fee(instrument, sample_count)
    if fee_index is None:
        return Estimate(None, None, 0, None)
    if not 0 <= fee_index < len(fees):
        errors["fee"] = Phrase("choose one of the instrument's fees")
        return Estimate(None, None, 0, None)
    fee = fees[fee_index]
    quantity = fee_quantity(fee["unit"], start_at, end_at, sample_count)
    if quantity is None:
        errors["sample_count"] = Phrase("enter the number of samples: this fee is per sample")
        return Estimate(fee_index, fee, 0, None)
    gross = round(fee["price_cny"] * quantity, 2)
    price = vouchers.net_price(vouchers.active_policies(session), actor.organisation, instrument, gross)
    return Estimate(fee_index, fee, quantity, price)


def request_booking(session: Session, actor: User, instrument_id: int, start_at: datetime, end_at: datetime,
                    purpose: str = "", sample_count: int | None = None, now: datetime | None = None,
                    fee_index: int | None = None) -> Booking:
    checked = check_booking(session, actor, instrument_id, start_at, end_at, purpose, sample_count, fee_index, now)
    instrument, estimate = checked.instrument, checked.estimate
    booking = Booking(instrument_id=instrument.id, requester_id=actor.organisation_id, requested_by_id=actor.id,
                      start_at=start_at, end_at=end_at, purpose=checked.purpose, sample_count=sample_count,
                      fee_item=estimate.fee["item"] if estimate.fee else "",
                      fee_unit=estimate.fee["unit"] if estimate.fee else "",
                      estimate_cny=estimate.price.gross_cny if estimate.price else None)
    session.add(booking)
    session.flush()
    notify_organisation(session, instrument.organisation_id,
                        Phrase("Booking request for %(title)s", title=instrument.title), received_path(booking.id))
    session.commit()
    return booking


def _booking(session: Session, booking_id: int) -> Booking:
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("No such booking.")
    return booking


def decide_booking(session: Session, actor: User, booking_id: int, approve: bool, note: str = "") -> Booking:
    booking = _booking(session, booking_id)
    require_member(actor, booking.instrument.organisation_id, "approve or decline bookings of this instrument")
    if len(note or "") > 500:
        raise ValidationFailed({"note": Phrase("is too long (at most 500 characters)")})
    _lock_instrument(session, booking.instrument_id)
    other = aliased(Booking)
    condition = [Booking.id == booking.id, Booking.status == BookingStatus.REQUESTED]
    if approve:
        condition.append(~exists().where(_overlapping_approved(booking.instrument_id, booking.start_at,
                                                               booking.end_at, other)))
    changed = session.execute(update(Booking).where(*condition).values(
        status=BookingStatus.APPROVED if approve else BookingStatus.DECLINED, decided_at=utcnow(),
        decision_note=(note or "").strip()))
    if changed.rowcount != 1:
        session.rollback()
        session.refresh(booking)
        if booking.status is not BookingStatus.REQUESTED:
            raise Conflict("This booking was already %(status)s.", status=Phrase(booking.status.value))
        raise Conflict("It overlaps a booking that is already approved; decline it or ask for another slot.")
    title = booking.instrument.title
    notify_organisation(session, booking.requester_id,
                        Phrase("Booking approved: %(title)s", title=title) if approve
                        else Phrase("Booking declined: %(title)s", title=title), request_path(booking.id))
    session.commit()
    session.refresh(booking)
    return booking


def cancel_booking(session: Session, actor: User, booking_id: int) -> Booking:
    booking = _booking(session, booking_id)
    require_member(actor, booking.requester_id, "cancel this booking")
    changed = session.execute(update(Booking).where(Booking.id == booking.id, Booking.status.in_(ACTIVE))
                              .values(status=BookingStatus.CANCELLED, decided_at=utcnow()))
    if changed.rowcount != 1:
        session.rollback()
        raise Conflict("Only a requested or approved booking can be cancelled.")
    notify_organisation(session, booking.instrument.organisation_id,
                        Phrase("Booking cancelled: %(title)s", title=booking.instrument.title),
                        received_path(booking.id))
    session.commit()
    session.refresh(booking)
    return booking


def complete_booking(session: Session, actor: User, booking_id: int, now: datetime | None = None) -> Booking:
    """The owner confirms the time was used; completed bookings count in the sharing statistics, so only
    once the slot is over."""
    booking = _booking(session, booking_id)
    require_member(actor, booking.instrument.organisation_id, "complete bookings of this instrument")
    if booking.end_at > (now or lab_now()):
        raise Conflict("A booking can be marked completed only after its slot ends (%(end)s).",
                       end=booking.end_at.strftime("%Y-%m-%d %H:%M"))
    changed = session.execute(update(Booking).where(Booking.id == booking.id,
                                                    Booking.status == BookingStatus.APPROVED)
                              .values(status=BookingStatus.COMPLETED, decided_at=utcnow()))
    if changed.rowcount != 1:
        session.rollback()
        raise Conflict("Only an approved booking can be completed.")
    record_booking_use(session, booking)
    notify_organisation(session, booking.requester_id,
                        Phrase("Booking completed — please review: %(title)s", title=booking.instrument.title),
                        request_path(booking.id))
    session.commit()
    session.refresh(booking)
    return booking


def review_booking(session: Session, actor: User, booking_id: int, rating: int, comment: str = ""):
    booking = _booking(session, booking_id)
    require_member(actor, booking.requester_id, "review this booking")
    return add_review(session, actor, booking.instrument_id, rating, comment, booking_id=booking.id,
                      reviewable=booking.status is BookingStatus.COMPLETED)


def completable(booking: Booking, now: datetime | None = None) -> bool:
    """Approved and over: only then can the owner mark it completed."""
    return booking.status is BookingStatus.APPROVED and booking.end_at <= (now or lab_now())


@dataclass(frozen=True)
class CalendarDay:
    day: date
    bookings: list[Booking]
    booked_hours: float
    hours: list[opening_hours.Interval]  # opening hours; empty when closed
    note: str  # why the date differs from the week (a holiday), if it does
    free: list[tuple[datetime, datetime]]  # open, bookable and not taken, on the slot grid


def week_calendar(session: Session, instrument_id: int, week_start: date,
                  now: datetime | None = None) -> list[CalendarDay]:
    """Seven days from week_start with their opening hours, the bookings that touch each day (requested,
    approved and completed) and the free time left to request."""
    instrument = _instrument(session, instrument_id)
    start = datetime.combine(week_start, datetime.min.time())
    end = start + timedelta(days=7)
    bookings = list(session.scalars(select(Booking).where(
        Booking.instrument_id == instrument_id, Booking.status.in_((*ACTIVE, BookingStatus.COMPLETED)),
        Booking.start_at < end, Booking.end_at > start).order_by(Booking.start_at)))
    found = opening_hours.schedule(session, instrument_id, week_start, week_start + timedelta(days=6))
    slot = opening_hours.slot_minutes(instrument)
    bookable_from = _on_grid(earliest_start(instrument, now or lab_now()), slot)
    days = []
    for offset in range(7):
        day_start = start + timedelta(days=offset)
        day_end = day_start + timedelta(days=1)
        touching = [b for b in bookings if b.start_at < day_end and b.end_at > day_start]
        hours = sum((min(b.end_at, day_end) - max(b.start_at, day_start)).total_seconds() / 3600
                    for b in touching if b.status is not BookingStatus.REQUESTED)
        free = _free(found.open_periods(max(day_start, bookable_from), day_end), touching, slot)
        exception = found.dates.get(day_start.date())
        days.append(CalendarDay(day_start.date(), touching, hours, found.hours_on(day_start.date()),
                                exception.note if exception else "", free))
    return days


def _free(periods: list[tuple[datetime, datetime]], bookings: list[Booking],
          slot: int) -> list[tuple[datetime, datetime]]:
    """Open periods less the time bookings hold (requests too, so nobody asks for time already asked for),
    trimmed to whole slots."""
    free = []
    for start, end in periods:
        for booking in sorted(bookings, key=lambda b: b.start_at):
            if booking.end_at <= start or booking.start_at >= end:
                continue
            if booking.start_at > start:
                free.append((start, booking.start_at))
            start = max(start, booking.end_at)
        if start < end:
            free.append((start, end))
    trimmed = []
    for start, end in free:
        start = _on_grid(start, slot)
        whole = int((end - start).total_seconds() // 60 // slot) * slot
        if whole > 0:
            trimmed.append((start, start + timedelta(minutes=whole)))
    return trimmed


@dataclass(frozen=True)
class Calendar:
    instrument: SharedInstrument
    week: date  # its Monday
    days: list[CalendarDay]
    is_owner: bool  # may approve, decline and complete, and set the hours
    weekly_hours: dict[int, list[opening_hours.Interval]]  # weekday -> hours, for the rules box
    slot_minutes: int
    fees: list[dict[str, Any]]
    default_fee: int | None
    now: datetime

    @property
    def previous_week(self) -> date:
        return self.week - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week + timedelta(days=7)

    def completable(self, booking: Booking) -> bool:
        return completable(booking, self.now)


def calendar(session: Session, actor: User | None, instrument_id: int, week: str | None,
             now: datetime | None = None) -> Calendar:
    """The instrument's week that holds the day `week` names (ISO date). By default the owner sees this week;
    anyone else the first week, within a month of the lead time's end, with free time to book, rather than
    a week of nothing to pick."""
    instrument = _instrument(session, instrument_id)
    now = now or lab_now()
    is_owner = is_member(actor, instrument.organisation_id)
    try:
        day = date.fromisoformat(week) if week else now.date() if is_owner else earliest_start(instrument, now).date()
    except ValueError:
        raise ValidationFailed({"week": Phrase("must be a date like 2026-12-07")}) from None
    monday = day - timedelta(days=day.weekday())
    if not FIRST_WEEK <= monday <= LAST_WEEK:
        raise ValidationFailed({"week": Phrase("must be a date from 2000 to 2100")})
    days = week_calendar(session, instrument_id, monday, now)
    if week is None and not is_owner and not any(d.free for d in days):
        for later in (monday + timedelta(weeks=n) for n in range(1, 5)):
            found = week_calendar(session, instrument_id, later, now)
            if any(d.free for d in found):
                monday, days = later, found
                break
    weekly = opening_hours.schedule(session, instrument_id, monday, monday).weekly
    return Calendar(instrument, monday, days, is_owner, weekly,
                    opening_hours.slot_minutes(instrument), list(instrument.fees or []), default_fee(instrument), now)


def bookings_for_owner(session: Session, actor: User) -> list[Booking]:
    return list(session.scalars(select(Booking).join(SharedInstrument, Booking.instrument_id == SharedInstrument.id)
                                .where(SharedInstrument.organisation_id == actor.organisation_id)
                                .order_by(Booking.start_at.desc()).limit(200)))


def bookings_of_requester(session: Session, actor: User) -> list[Booking]:
    return list(session.scalars(select(Booking).where(Booking.requester_id == actor.organisation_id)
                                .order_by(Booking.start_at.desc()).limit(200)))


@dataclass(frozen=True)
class OwnerBookings:
    """The lab's bookings as it works through them."""

    pending: list[Booking]  # to approve or decline, soonest first
    to_complete: list[Booking]  # approved and over
    upcoming: list[Booking]  # approved, not over yet, soonest first
    other: list[Booking]  # declined, cancelled, completed; latest first


def owner_bookings(session: Session, actor: User, now: datetime | None = None) -> OwnerBookings:
    now = now or lab_now()
    received = bookings_for_owner(session, actor)
    approved = [b for b in received if b.status is BookingStatus.APPROVED]
    return OwnerBookings(
        pending=sorted((b for b in received if b.status is BookingStatus.REQUESTED), key=lambda b: b.start_at),
        to_complete=[b for b in approved if completable(b, now)],
        upcoming=sorted((b for b in approved if not completable(b, now)), key=lambda b: b.start_at),
        other=[b for b in received if b.status not in ACTIVE])

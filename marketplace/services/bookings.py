"""Booking instrument time. Approved bookings of one instrument never overlap.

Approval is a single conditional UPDATE that also checks for overlaps, taken under a lock on the
instrument row (PostgreSQL; SQLite serialises writers anyway), so two approvals cannot race.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session, aliased

from marketplace.clock import utcnow
from marketplace.kinds import posting_path
from marketplace.messages import Phrase
from marketplace.models import Booking, BookingStatus, Posting, SharedInstrument, User
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


def request_booking(session: Session, actor: User, instrument_id: int, start_at: datetime, end_at: datetime,
                    purpose: str = "", sample_count: int | None = None, now: datetime | None = None) -> Booking:
    organisation_id = require_organisation(actor)
    instrument = _instrument(session, instrument_id)
    if not instrument.is_live:
        raise Conflict("This instrument is archived; it takes no new bookings.")
    now = now or utcnow()
    errors = {}
    if end_at <= start_at:
        errors["end_at"] = Phrase("must be after the start")
    elif end_at - start_at > MAX_BOOKING:
        errors["end_at"] = Phrase("a booking can last at most 14 days")
    if start_at < now:
        errors["start_at"] = Phrase("must be in the future")
    elif start_at > now + MAX_ADVANCE:
        errors["start_at"] = Phrase("can be at most a year ahead")
    if len(purpose or "") > 2000:
        errors["purpose"] = Phrase("is too long (at most 2000 characters)")
    if sample_count is not None and not 0 < sample_count <= 1_000_000:
        errors["sample_count"] = Phrase("must be from 1 to 1,000,000")
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(exists().where(_overlapping_approved(instrument.id, start_at, end_at)))):
        raise Conflict("That time overlaps a booking that is already approved; pick a free slot in the calendar.")
    booking = Booking(instrument_id=instrument.id, requester_id=organisation_id, requested_by_id=actor.id,
                      start_at=start_at, end_at=end_at, purpose=(purpose or "").strip(), sample_count=sample_count)
    session.add(booking)
    notify_organisation(session, instrument.organisation_id,
                        Phrase("Booking request for %(title)s", title=instrument.title), calendar_path(instrument.id))
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
    _lock_instrument(session, booking.instrument_id)
    other = aliased(Booking)
    condition = [Booking.id == booking.id, Booking.status == BookingStatus.REQUESTED]
    if approve:
        condition.append(~exists().where(_overlapping_approved(booking.instrument_id, booking.start_at,
                                                               booking.end_at, other)))
    changed = session.execute(update(Booking).where(*condition).values(
        status=BookingStatus.APPROVED if approve else BookingStatus.DECLINED, decided_at=utcnow(),
        decision_note=(note or "")[:500]))
    if changed.rowcount != 1:
        session.rollback()
        session.refresh(booking)
        if booking.status is not BookingStatus.REQUESTED:
            raise Conflict("This booking was already %(status)s.", status=Phrase(booking.status.value))
        raise Conflict("It overlaps a booking that is already approved; decline it or ask for another slot.")
    title = booking.instrument.title
    notify_organisation(session, booking.requester_id,
                        Phrase("Booking approved: %(title)s", title=title) if approve
                        else Phrase("Booking declined: %(title)s", title=title), calendar_path(booking.instrument_id))
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
    session.commit()
    session.refresh(booking)
    return booking


def complete_booking(session: Session, actor: User, booking_id: int, now: datetime | None = None) -> Booking:
    """The owner confirms the time was used; completed bookings count in the sharing statistics, so only
    once the slot is over."""
    booking = _booking(session, booking_id)
    require_member(actor, booking.instrument.organisation_id, "complete bookings of this instrument")
    if booking.end_at > (now or utcnow()):
        raise Conflict("A booking can be marked completed only after its slot ends (%(end)s).",
                       end=booking.end_at.strftime("%Y-%m-%d %H:%M"))
    changed = session.execute(update(Booking).where(Booking.id == booking.id,
                                                    Booking.status == BookingStatus.APPROVED)
                              .values(status=BookingStatus.COMPLETED, decided_at=utcnow()))
    if changed.rowcount != 1:
        session.rollback()
        raise Conflict("Only an approved booking can be completed.")
    record_booking_use(session, booking)
    session.commit()
    session.refresh(booking)
    return booking


def review_booking(session: Session, actor: User, booking_id: int, rating: int, comment: str = ""):
    booking = _booking(session, booking_id)
    require_member(actor, booking.requester_id, "review this booking")
    return add_review(session, actor, booking.instrument_id, rating, comment, booking_id=booking.id,
                      reviewable=booking.status is BookingStatus.COMPLETED)


@dataclass(frozen=True)
class CalendarDay:
    day: date
    bookings: list[Booking]
    booked_hours: float


def week_calendar(session: Session, instrument_id: int, week_start: date) -> list[CalendarDay]:
    """Seven days from week_start with the requested and approved bookings that touch each day."""
    _instrument(session, instrument_id)
    start = datetime.combine(week_start, datetime.min.time())
    end = start + timedelta(days=7)
    bookings = list(session.scalars(select(Booking).where(
        Booking.instrument_id == instrument_id, Booking.status.in_((*ACTIVE, BookingStatus.COMPLETED)),
        Booking.start_at < end, Booking.end_at > start).order_by(Booking.start_at)))
    days = []
    for offset in range(7):
        day_start = start + timedelta(days=offset)
        day_end = day_start + timedelta(days=1)
        touching = [b for b in bookings if b.start_at < day_end and b.end_at > day_start]
        hours = sum((min(b.end_at, day_end) - max(b.start_at, day_start)).total_seconds() / 3600
                    for b in touching if b.status is not BookingStatus.REQUESTED)
        days.append(CalendarDay(day_start.date(), touching, hours))
    return days


@dataclass(frozen=True)
class Calendar:
    instrument: SharedInstrument
    week: date  # its Monday
    days: list[CalendarDay]
    is_owner: bool  # may approve and decline

    @property
    def previous_week(self) -> date:
        return self.week - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week + timedelta(days=7)

    def completable(self, booking: Booking) -> bool:
        """Approved and over: only then can the owner mark it completed."""
        return booking.status is BookingStatus.APPROVED and booking.end_at <= utcnow()


def calendar(session: Session, actor: User | None, instrument_id: int, week: str | None) -> Calendar:
    """The instrument's week that holds the day `week` names (ISO date; default today)."""
    instrument = _instrument(session, instrument_id)
    try:
        day = date.fromisoformat(week) if week else date.today()
    except ValueError:
        raise ValidationFailed({"week": Phrase("must be a date like 2026-12-07")}) from None
    monday = day - timedelta(days=day.weekday())
    if not FIRST_WEEK <= monday <= LAST_WEEK:
        raise ValidationFailed({"week": Phrase("must be a date from 2000 to 2100")})
    return Calendar(instrument, monday, week_calendar(session, instrument_id, monday),
                    is_member(actor, instrument.organisation_id))


def bookings_for_owner(session: Session, actor: User) -> list[Booking]:
    return list(session.scalars(select(Booking).join(SharedInstrument, Booking.instrument_id == SharedInstrument.id)
                                .where(SharedInstrument.organisation_id == actor.organisation_id)
                                .order_by(Booking.start_at.desc()).limit(200)))


def bookings_of_requester(session: Session, actor: User) -> list[Booking]:
    return list(session.scalars(select(Booking).where(Booking.requester_id == actor.organisation_id)
                                .order_by(Booking.start_at.desc()).limit(200)))

"""When a shared instrument can be booked: its weekly opening hours, dates opened or closed, and the free
time they leave between bookings.

Hours are intervals of minutes after midnight (09:00-17:00 is (540, 1020)); 24:00 is 1440. People type them
as "09:00-12:00, 13:30-17:00" (Chinese commas and dashes too). An instrument whose owner never set weekly
hours keeps the standard hours, Monday to Friday 09:00-17:00, like most university labs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from marketplace.messages import Phrase
from marketplace.models import OpeningDate, OpeningHours, SharedInstrument, User
from marketplace.services.access import require_member
from marketplace.services.errors import NotFound, ValidationFailed

Interval = tuple[int, int]  # minutes after midnight, opening and closing
STANDARD_HOURS: dict[int, list[Interval]] = {weekday: [(9 * 60, 17 * 60)] for weekday in range(5)}
DEFAULT_SLOT_MINUTES = 60
MAX_INTERVALS = 6  # per day; more is a typing mistake rather than a timetable
MAX_DATES = 400  # dates opened or closed kept per instrument (about a year of exceptions)

_TIME = r"(\d{1,2})\s*[:：]\s*(\d{2})"
_INTERVAL = re.compile(rf"^{_TIME}\s*(?:-|–|—|~|～|\u81f3|\u5230)\s*{_TIME}$")  # 至 and 到 ("to") as well
_SEPARATORS = re.compile(r"[,，;；、]\s*|\s{2,}")


def parse_hours(text: str) -> list[Interval]:
    """"09:00-12:00, 13:30-17:00" -> [(540, 720), (810, 1020)]; empty text is a closed day."""
    intervals = []
    for part in (p.strip() for p in _SEPARATORS.split(text or "")):
        if not part:
            continue
        match = _INTERVAL.match(part)
        if not match:
            raise ValueError(Phrase("write hours like 09:00-12:00, 13:30-17:00 (empty: closed)"))
        opens_h, opens_m, closes_h, closes_m = (int(g) for g in match.groups())
        opens, closes = opens_h * 60 + opens_m, closes_h * 60 + closes_m
        if opens_m > 59 or closes_m > 59 or closes > 24 * 60 or opens >= closes:
            raise ValueError(Phrase("%(hours)s is not a time span within one day (00:00-24:00)", hours=part))
        intervals.append((opens, closes))
    intervals.sort()
    if any(later[0] < earlier[1] for earlier, later in zip(intervals, intervals[1:], strict=False)):
        raise ValueError(Phrase("the spans overlap"))
    if len(intervals) > MAX_INTERVALS:
        raise ValueError(Phrase("at most %(count)d spans a day", count=MAX_INTERVALS))
    return intervals


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def format_hours(intervals: list[Interval]) -> str:
    return ", ".join(f"{clock(opens)}-{clock(closes)}" for opens, closes in intervals)


def at(day: date, minute: int) -> datetime:
    return datetime.combine(day, time()) + timedelta(minutes=minute)


@dataclass(frozen=True)
class DateHours:
    id: int
    day: date
    hours: list[Interval]  # empty: closed all day
    note: str


@dataclass(frozen=True)
class Schedule:
    """An instrument's hours over a range of dates."""

    weekly: dict[int, list[Interval]]  # weekday (Monday 0) -> its hours; a weekday not in it is closed
    dates: dict[date, DateHours]
    standard: bool  # the owner has not set weekly hours

    def hours_on(self, day: date) -> list[Interval]:
        if day in self.dates:
            return self.dates[day].hours
        return self.weekly.get(day.weekday(), [])

    def open_periods(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The open time between start and end, spans that meet across midnight joined into one."""
        periods: list[tuple[datetime, datetime]] = []
        day = start.date()
        while day <= end.date():
            for opens, closes in self.hours_on(day):
                span = (max(at(day, opens), start), min(at(day, closes), end))
                if span[0] >= span[1]:
                    continue
                if periods and periods[-1][1] == span[0]:
                    periods[-1] = (periods[-1][0], span[1])
                else:
                    periods.append(span)
            day += timedelta(days=1)
        return periods

    def covers(self, start: datetime, end: datetime) -> bool:
        return self.open_periods(start, end) == [(start, end)]


def _instrument(session: Session, instrument_id: int) -> SharedInstrument:
    instrument = session.get(SharedInstrument, instrument_id)
    if instrument is None:
        raise NotFound("No such shared instrument.")
    return instrument


def _span(row: OpeningHours | OpeningDate) -> list[Interval]:
    return [] if row.opens_minute is None else [(row.opens_minute, row.closes_minute)]


def schedule(session: Session, instrument_id: int, first: date, last: date) -> Schedule:
    """The weekly hours and the exceptions from `first` to `last` (inclusive)."""
    weekly_rows = session.scalars(select(OpeningHours).where(OpeningHours.instrument_id == instrument_id)
                                  .order_by(OpeningHours.weekday, OpeningHours.opens_minute)).all()
    weekly: dict[int, list[Interval]] = {}
    for row in weekly_rows:
        weekly.setdefault(row.weekday, []).extend(_span(row))
    dates = {row.day: DateHours(row.id, row.day, _span(row), row.note) for row in session.scalars(
        select(OpeningDate).where(OpeningDate.instrument_id == instrument_id, OpeningDate.day >= first,
                                  OpeningDate.day <= last).order_by(OpeningDate.day))}
    if not weekly_rows:
        return Schedule(STANDARD_HOURS, dates, standard=True)
    return Schedule(weekly, dates, standard=False)


def slot_minutes(instrument: SharedInstrument) -> int:
    return instrument.slot_minutes or DEFAULT_SLOT_MINUTES


@dataclass(frozen=True)
class HoursSettings:
    """What the owner's opening-hours page shows."""

    instrument: SharedInstrument
    weekly_text: dict[int, str]  # weekday -> "09:00-12:00, 13:30-17:00"
    standard: bool
    dates: list[DateHours]  # from today on


def hours_settings(session: Session, actor: User, instrument_id: int, today: date) -> HoursSettings:
    instrument = _instrument(session, instrument_id)
    require_member(actor, instrument.organisation_id, "set the opening hours of this instrument")
    found = schedule(session, instrument_id, today, date.max)
    return HoursSettings(instrument, {weekday: format_hours(found.weekly.get(weekday, [])) for weekday in range(7)},
                         found.standard, list(found.dates.values()))


def set_weekly_hours(session: Session, actor: User, instrument_id: int, texts: dict[int, str]) -> None:
    """Replace the weekly hours; `texts` has every weekday (0-6), empty for a closed day."""
    instrument = _instrument(session, instrument_id)
    require_member(actor, instrument.organisation_id, "set the opening hours of this instrument")
    parsed, errors = {}, {}
    for weekday in range(7):
        try:
            parsed[weekday] = parse_hours(texts.get(weekday, ""))
        except ValueError as error:
            errors[f"day{weekday}"] = error.args[0]
    if errors:
        raise ValidationFailed(errors)
    session.execute(delete(OpeningHours).where(OpeningHours.instrument_id == instrument.id))
    for weekday, intervals in parsed.items():
        # A closed weekday keeps a row without hours, so "closed all week" differs from "never set".
        for opens, closes in intervals or [(None, None)]:
            session.add(OpeningHours(instrument_id=instrument.id, weekday=weekday, opens_minute=opens,
                                     closes_minute=closes))
    session.commit()


def set_date_hours(session: Session, actor: User, instrument_id: int, day: date | None, hours: str, note: str,
                   today: date) -> None:
    """Open a date with the hours given, or close it (empty hours), replacing what that date had."""
    instrument = _instrument(session, instrument_id)
    require_member(actor, instrument.organisation_id, "set the opening hours of this instrument")
    errors = {}
    intervals: list[Interval] = []
    if day is None:
        errors["day"] = Phrase("is required")
    elif not today <= day <= today + timedelta(days=366):
        errors["day"] = Phrase("must be from today to a year ahead")
    try:
        intervals = parse_hours(hours)
    except ValueError as error:
        errors["hours"] = error.args[0]
    if len(intervals) > 1:
        errors["hours"] = Phrase("give one span for a date (e.g. 09:00-12:00)")
    if len(note or "") > 200:
        errors["note"] = Phrase("is too long (at most 200 characters)")
    kept = session.scalars(select(OpeningDate.id).where(OpeningDate.instrument_id == instrument.id)).all()
    if len(kept) >= MAX_DATES:
        errors["day"] = Phrase("at most %(count)d dates can be set; remove past ones first", count=MAX_DATES)
    if errors:
        raise ValidationFailed(errors)
    session.execute(delete(OpeningDate).where(OpeningDate.instrument_id == instrument.id, OpeningDate.day == day))
    opens, closes = intervals[0] if intervals else (None, None)
    session.add(OpeningDate(instrument_id=instrument.id, day=day, opens_minute=opens, closes_minute=closes,
                            note=(note or "").strip()))
    session.commit()


def remove_date(session: Session, actor: User, instrument_id: int, opening_date_id: int) -> None:
    instrument = _instrument(session, instrument_id)
    require_member(actor, instrument.organisation_id, "set the opening hours of this instrument")
    session.execute(delete(OpeningDate).where(OpeningDate.id == opening_date_id,
                                              OpeningDate.instrument_id == instrument.id))
    session.commit()

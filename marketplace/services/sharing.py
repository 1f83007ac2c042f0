"""Sharing statistics: instrument use recorded from completed bookings and orders or by hand, and the
yearly report that sharing evaluations ask for (effective hours, external hours and share, services,
samples, income), per instrument and per organisation."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.messages import Phrase
from marketplace.models import Booking, Order, SharedInstrument, UsageRecord, User
from marketplace.services.access import require_member, require_organisation
from marketplace.services.errors import NotFound, ValidationFailed
from marketplace.text_formats import neutralise_formula

FIRST_YEAR, LAST_YEAR = 2000, 2100


def hourly_fee(instrument: SharedInstrument) -> float | None:
    fees = [f["price_cny"] for f in instrument.fees or [] if f.get("unit") == "hour"]
    return min(fees) if fees else None


def record_booking_use(session: Session, booking: Booking) -> None:
    """Caller commits; called when the owner marks a booking completed."""
    instrument = booking.instrument
    fee = hourly_fee(instrument)
    session.add(UsageRecord(
        instrument_id=instrument.id, used_on=booking.start_at.date(), hours=round(booking.hours, 2),
        samples=booking.sample_count or 0, external=booking.requester_id != instrument.organisation_id,
        user_organisation_id=booking.requester_id, income_cny=round(fee * booking.hours, 2) if fee else 0,
        source="booking", booking_id=booking.id))


def record_order_use(session: Session, order: Order, completed_on: date) -> None:
    """Orders on a shared instrument count as services with their samples and income."""
    inquiry = order.quote.inquiry
    if inquiry.listing.kind != "instrument":
        return
    session.add(UsageRecord(
        instrument_id=inquiry.listing_id, used_on=completed_on, hours=0,
        samples=getattr(inquiry.need, "sample_count", None) or 0, external=True,
        user_organisation_id=inquiry.requester_id, income_cny=order.quote.price_cny, source="order",
        order_id=order.id))


def record_manual_use(session: Session, actor: User, instrument_id: int, used_on: date, hours: float, samples: int,
                      external: bool, income_cny: float, note: str = "") -> UsageRecord:
    instrument = session.get(SharedInstrument, instrument_id)
    if instrument is None:
        raise NotFound("No such shared instrument.")
    require_member(actor, instrument.organisation_id, "record use of this instrument")
    errors = {}
    if not 0 <= hours <= 24 * 366:
        errors["hours"] = Phrase("must be from 0 to 8784")
    if not 0 <= samples <= 10_000_000:
        errors["samples"] = Phrase("must be from 0 to 10,000,000")
    if not 0 <= income_cny <= 1e10:
        errors["income_cny"] = Phrase("must be from 0 to 10,000,000,000")
    if hours == 0 and samples == 0:
        errors["hours"] = Phrase("enter hours or samples (or both)")
    if len(note or "") > 500:
        errors["note"] = Phrase("is too long (at most 500 characters)")
    if errors:
        raise ValidationFailed(errors)
    record = UsageRecord(instrument_id=instrument.id, used_on=used_on, hours=hours, samples=samples,
                         external=external, income_cny=income_cny, source="manual", note=(note or "").strip())
    session.add(record)
    session.commit()
    return record


@dataclass(frozen=True)
class SharingRow:
    instrument_id: int
    title: str
    effective_hours: float
    external_hours: float
    services: int
    external_services: int
    samples: int
    income_cny: float

    @property
    def external_share(self) -> float:
        return self.external_hours / self.effective_hours if self.effective_hours else 0.0


def instruments_of(session: Session, actor: User) -> list[tuple[int, str]]:
    """(id, title) of the shared instruments of the actor's organisation, to record their use."""
    organisation_id = require_organisation(actor)
    return [(row.id, row.title) for row in session.execute(
        select(SharedInstrument.id, SharedInstrument.title).where(SharedInstrument.organisation_id == organisation_id)
        .order_by(SharedInstrument.id))]


def report_of(session: Session, actor: User, year: int) -> list[SharingRow]:
    """The yearly report of the actor's organisation."""
    organisation_id = require_organisation(actor)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed({"year": Phrase("must be between %(low)d and %(high)d", low=FIRST_YEAR, high=LAST_YEAR)})
    return yearly_report(session, organisation_id, year)


def yearly_report(session: Session, organisation_id: int, year: int) -> list[SharingRow]:
    """One row per instrument of the organisation, including instruments with no use that year."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    ext = UsageRecord.external
    totals = (
        select(UsageRecord.instrument_id,
               func.coalesce(func.sum(UsageRecord.hours), 0),
               func.coalesce(func.sum(UsageRecord.hours).filter(ext.is_(True)), 0),
               func.count(UsageRecord.id),
               func.count(UsageRecord.id).filter(ext.is_(True)),
               func.coalesce(func.sum(UsageRecord.samples), 0),
               func.coalesce(func.sum(UsageRecord.income_cny), 0))
        .where(UsageRecord.used_on >= start, UsageRecord.used_on < end)
        .group_by(UsageRecord.instrument_id)
    )
    by_instrument = {row[0]: row[1:] for row in session.execute(totals)}
    instruments = session.execute(select(SharedInstrument.id, SharedInstrument.title)
                                  .where(SharedInstrument.organisation_id == organisation_id)
                                  .order_by(SharedInstrument.id)).all()
    rows = []
    for instrument_id, title in instruments:
        hours, external_hours, services, external_services, samples, income = by_instrument.get(
            instrument_id, (0, 0, 0, 0, 0, 0))
        rows.append(SharingRow(instrument_id, title, float(hours), float(external_hours), services,
                               external_services, int(samples), float(income)))
    return rows


def report_totals(rows: list[SharingRow]) -> SharingRow:
    return SharingRow(0, Phrase("Total"), sum(r.effective_hours for r in rows), sum(r.external_hours for r in rows),
                      sum(r.services for r in rows), sum(r.external_services for r in rows),
                      sum(r.samples for r in rows), sum(r.income_cny for r in rows))


def report_csv(rows: list[SharingRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["instrument_id", "instrument", "effective_hours", "external_hours", "external_share",
                     "services", "external_services", "samples", "income_cny"])
    for row in [*rows, report_totals(rows)]:
        writer.writerow([row.instrument_id or "", neutralise_formula(str(row.title)), f"{row.effective_hours:.2f}",
                         f"{row.external_hours:.2f}",
                         f"{row.external_share:.3f}", row.services, row.external_services, row.samples,
                         f"{row.income_cny:.2f}"])
    return buffer.getvalue()

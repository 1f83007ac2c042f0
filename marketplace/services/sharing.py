"""Sharing statistics: instrument use recorded from completed bookings and orders or by hand, and the yearly
report the open-sharing evaluation of large research instruments (大型科研仪器开放共享评价考核) asks for, per
instrument and in total: asset number, original value, effective hours, external service hours and their
share, services, samples, external users and income. Exported as CSV (UTF-8 with a BOM, so Excel on Chinese
Windows opens it as it is) and .xlsx, both with the evaluation's Chinese column names.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, case, cast, distinct, extract, func, literal, select
from sqlalchemy.orm import Session

from marketplace.messages import Phrase, catalogue, translate
from marketplace.models import Booking, Order, Organisation, SharedInstrument, UsageRecord, User
from marketplace.services.access import is_platform_admin, require_member, require_organisation
from marketplace.services.errors import Forbidden, NotFound, ValidationFailed
from marketplace.text_formats import neutralise_formula

FIRST_YEAR, LAST_YEAR = 2000, 2100
EXPORT_LANGUAGE = "zh"  # the evaluation's forms are Chinese, whatever language the page is read in


def hourly_fee(instrument: SharedInstrument) -> float | None:
    fees = [f["price_cny"] for f in instrument.fees or [] if f.get("unit") == "hour"]
    return min(fees) if fees else None


def _booking_income(booking: Booking) -> float:
    """The price estimated when it was requested; bookings from before estimates are priced by the hour."""
    if booking.estimate_cny is not None:
        return booking.estimate_cny
    fee = hourly_fee(booking.instrument)
    return round(fee * booking.hours, 2) if fee else 0


def record_booking_use(session: Session, booking: Booking) -> None:
    """Caller commits; called when the owner marks a booking completed."""
    instrument = booking.instrument
    session.add(UsageRecord(
        instrument_id=instrument.id, used_on=booking.start_at.date(), hours=round(booking.hours, 2),
        samples=booking.sample_count or 0, external=booking.requester_id != instrument.organisation_id,
        user_organisation_id=booking.requester_id, income_cny=_booking_income(booking), source="booking",
        booking_id=booking.id))


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
                      external: bool, income_cny: float, note: str = "", user_name: str = "") -> UsageRecord:
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
    if len(user_name or "") > 200:
        errors["user_name"] = Phrase("is too long (at most 200 characters)")
    if not FIRST_YEAR <= used_on.year <= LAST_YEAR:
        errors["used_on"] = Phrase("must be between %(low)d and %(high)d", low=FIRST_YEAR, high=LAST_YEAR)
    if errors:
        raise ValidationFailed(errors)
    record = UsageRecord(instrument_id=instrument.id, used_on=used_on, hours=hours, samples=samples,
                         external=external, income_cny=income_cny, source="manual", note=(note or "").strip(),
                         user_name=(user_name or "").strip())
    session.add(record)
    session.commit()
    return record


@dataclass(frozen=True)
class SharingRow:
    instrument_id: int  # 0 for the totals
    title: str
    organisation: str
    asset_number: str
    original_value_cny: float | None
    effective_hours: float
    external_hours: float
    services: int
    external_services: int
    samples: int
    external_users: int  # distinct organisations from outside the owner that used it
    income_cny: float

    @property
    def external_share(self) -> float:
        return self.external_hours / self.effective_hours if self.effective_hours else 0.0


@dataclass(frozen=True)
class MonthHours:
    month: date  # its first day
    effective_hours: float
    external_hours: float


@dataclass(frozen=True)
class SharingReport:
    year: int
    organisation: Organisation | None  # None: every organisation's instruments (platform administrators)
    rows: list[SharingRow]
    totals: SharingRow
    months: list[MonthHours]  # January to December
    organisations: list[tuple[int, str]]  # what a platform administrator may filter by; empty for others
    instruments: list[tuple[int, str]]  # the reader's own instruments, to record their use by hand


def _external_user():
    """Who used an instrument from outside: the organisation on the record, or the name entered by hand."""
    return case((UsageRecord.user_organisation_id.is_not(None),
                 literal("o") + cast(UsageRecord.user_organisation_id, String)),
                (UsageRecord.user_name != "", literal("n") + UsageRecord.user_name))


def _in_year(year: int):
    return UsageRecord.used_on >= date(year, 1, 1), UsageRecord.used_on < date(year + 1, 1, 1)


def sharing_report(session: Session, actor: User, year: int, organisation_id: int | None = None) -> SharingReport:
    """The year's report of the actor's organisation; a platform administrator may choose any organisation, or
    every organisation (None)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed({"year": Phrase("must be between %(low)d and %(high)d", low=FIRST_YEAR, high=LAST_YEAR)})
    admin = is_platform_admin(actor)
    if not admin:
        own = require_organisation(actor)
        if organisation_id not in (None, own):
            raise Forbidden("Only platform administrators can read other organisations' sharing reports.")
        organisation_id = own
    organisation = session.get(Organisation, organisation_id) if organisation_id is not None else None
    if organisation_id is not None and organisation is None:
        raise NotFound("No such organisation.")
    owned = [SharedInstrument.organisation_id == organisation_id] if organisation_id is not None else []
    rows = _rows(session, year, owned)
    return SharingReport(year, organisation, rows, _totals(session, year, owned, rows), _months(session, year, owned),
                         _organisations_with_instruments(session) if admin else [],
                         instruments_of(session, actor) if actor.organisation_id else [])


def _rows(session: Session, year: int, owned: list) -> list[SharingRow]:
    ext = UsageRecord.external.is_(True)
    totals = (
        select(UsageRecord.instrument_id,
               func.coalesce(func.sum(UsageRecord.hours), 0),
               func.coalesce(func.sum(UsageRecord.hours).filter(ext), 0),
               func.count(UsageRecord.id),
               func.count(UsageRecord.id).filter(ext),
               func.coalesce(func.sum(UsageRecord.samples), 0),
               func.count(distinct(_external_user())).filter(ext),
               func.coalesce(func.sum(UsageRecord.income_cny), 0))
        .where(*_in_year(year)).group_by(UsageRecord.instrument_id)
    )
    by_instrument = {row[0]: row[1:] for row in session.execute(totals)}
    instruments = session.execute(
        select(SharedInstrument.id, SharedInstrument.title, Organisation.name, SharedInstrument.asset_number,
               SharedInstrument.original_value_cny)
        .join(Organisation, Organisation.id == SharedInstrument.organisation_id)
        .where(*owned).order_by(Organisation.name, SharedInstrument.id)).all()
    rows = []
    for instrument_id, title, organisation, asset_number, value in instruments:
        hours, external_hours, services, external_services, samples, users, income = by_instrument.get(
            instrument_id, (0, 0, 0, 0, 0, 0, 0))
        rows.append(SharingRow(instrument_id, title, organisation, asset_number or "", value, float(hours),
                               float(external_hours), services, external_services, int(samples), users, float(income)))
    return rows


def _totals(session: Session, year: int, owned: list, rows: list[SharingRow]) -> SharingRow:
    """Sums, except external users: one organisation using two instruments is one user."""
    users = session.scalar(
        select(func.count(distinct(_external_user())))
        .join(SharedInstrument, SharedInstrument.id == UsageRecord.instrument_id)
        .where(UsageRecord.external.is_(True), *_in_year(year), *owned))
    values = [r.original_value_cny for r in rows if r.original_value_cny is not None]
    return SharingRow(0, Phrase("Total"), "", "", sum(values) if values else None,
                      sum(r.effective_hours for r in rows), sum(r.external_hours for r in rows),
                      sum(r.services for r in rows), sum(r.external_services for r in rows),
                      sum(r.samples for r in rows), users or 0, sum(r.income_cny for r in rows))


def _months(session: Session, year: int, owned: list) -> list[MonthHours]:
    month = extract("month", UsageRecord.used_on)
    found = {int(m): (float(hours), float(external)) for m, hours, external in session.execute(
        select(month, func.coalesce(func.sum(UsageRecord.hours), 0),
               func.coalesce(func.sum(UsageRecord.hours).filter(UsageRecord.external.is_(True)), 0))
        .join(SharedInstrument, SharedInstrument.id == UsageRecord.instrument_id)
        .where(*_in_year(year), *owned).group_by(month))}
    return [MonthHours(date(year, m, 1), *found.get(m, (0.0, 0.0))) for m in range(1, 13)]


def _organisations_with_instruments(session: Session) -> list[tuple[int, str]]:
    return [(row.id, row.name) for row in session.execute(
        select(Organisation.id, Organisation.name).where(
            Organisation.id.in_(select(SharedInstrument.organisation_id))).order_by(Organisation.name))]


def instruments_of(session: Session, actor: User) -> list[tuple[int, str]]:
    """(id, title) of the shared instruments of the actor's organisation, to record their use."""
    organisation_id = require_organisation(actor)
    return [(row.id, row.title) for row in session.execute(
        select(SharedInstrument.id, SharedInstrument.title).where(SharedInstrument.organisation_id == organisation_id)
        .order_by(SharedInstrument.id))]


COLUMNS = (Phrase("Instrument"), Phrase("Asset number"), Phrase("Organisation"), Phrase("Original value (CNY)"),
           Phrase("Effective hours"), Phrase("External service hours"), Phrase("External share of hours"),
           Phrase("Services"), Phrase("Samples"), Phrase("External users"), Phrase("Service income (CNY)"))


def _export_rows(report: SharingReport) -> list[list]:
    """The header and one list of values per instrument and for the totals: text, numbers or None."""
    gettext = catalogue(EXPORT_LANGUAGE).gettext
    lines: list[list] = [[translate(column, gettext) for column in COLUMNS]]
    for row in [*report.rows, report.totals]:
        title = translate(row.title, gettext) if isinstance(row.title, Phrase) else row.title
        lines.append([title, row.asset_number, row.organisation, row.original_value_cny, round(row.effective_hours, 2),
                      round(row.external_hours, 2), round(row.external_share, 4), row.services, row.samples,
                      row.external_users, round(row.income_cny, 2)])
    return lines


SHARE_COLUMN = COLUMNS.index("External share of hours")


def report_csv(report: SharingReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header, *lines = _export_rows(report)
    writer.writerow(header)
    for line in lines:
        line[SHARE_COLUMN] = f"{line[SHARE_COLUMN]:.1%}"  # Excel reads 60.0% as a percentage
        writer.writerow(["" if value is None else neutralise_formula(value) if isinstance(value, str) else value
                         for value in line])
    return buffer.getvalue().encode("utf-8-sig")


def report_xlsx(report: SharingReport) -> bytes:
    from openpyxl import Workbook  # only loaded when a workbook is asked for
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(report.year)
    for line in _export_rows(report):
        sheet.append([neutralise_formula(value) if isinstance(value, str) else value for value in line])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJK", (40, 14, 30, 14, 12, 14, 12, 10, 10, 12, 14), strict=True):
        sheet.column_dimensions[column].width = width
    for cell in sheet[chr(ord("A") + SHARE_COLUMN)][1:]:
        cell.number_format = "0.0%"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

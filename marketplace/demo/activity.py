"""What the demo's organisations have done with each other, so every page has something to show: subsidy
policies (voucher net prices), opening hours, a year of use of every shared instrument (sharing reports),
bookings, inquiries and quotes in each of their states, orders and reviews.

Dates are relative to the day of seeding. Each part is skipped when it is already there, so seeding again
changes nothing. Texts are what the demo's Chinese organisations would write to each other.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from marketplace.demo.catalogue import FAMILY, generate_catalogue
from marketplace.demo.texts import NEED_TEMPLATES
from marketplace.models import (
    Booking,
    BookingStatus,
    DomesticProduct,
    Inquiry,
    Message,
    OpeningDate,
    OpeningHours,
    Order,
    OrderStatus,
    Organisation,
    Posting,
    Quote,
    QuoteLine,
    QuoteStatus,
    Review,
    SharedInstrument,
    SubsidyPolicy,
    TestNeed,
    UsageRecord,
    User,
)
from marketplace.services.bookings import default_fee, fee_quantity
from marketplace.services.deals import suggested_lines
from marketplace.services.records import apply_record
from marketplace.services.sharing import record_booking_use, record_order_use

# name, rate, cap per service (CNY), organisation kinds, listing kinds, region
POLICIES = [
    ("湖北省科技创新券（演示）", 0.3, 10_000, ["enterprise"], ["instrument", "transfer"], "湖北省"),
    ("中小企业大型仪器共享补贴（演示）", 0.15, 3_000, ["enterprise"], ["instrument"], ""),
]


@dataclass(frozen=True)
class Cast:
    """The demo accounts and their organisations."""

    sme: User
    lab: User
    vendor: User

    @property
    def sme_organisation(self) -> Organisation:
        return self.sme.organisation


def seed_activity(session: Session, today: date, sme_email: str, lab_email: str, vendor_email: str,
                  progress: Callable[[str, int], None]) -> None:
    users = {user.email: user for user in session.scalars(select(User).where(
        User.email.in_((sme_email, lab_email, vendor_email))))}
    cast = Cast(users[sme_email], users[lab_email], users[vendor_email])
    lab_instruments = list(session.scalars(select(SharedInstrument).where(
        SharedInstrument.organisation_id == cast.lab.organisation_id).order_by(SharedInstrument.id)))
    steps = [("subsidy policies created", lambda: _policies(session)),
             ("instruments given opening hours", lambda: _opening_hours(session, lab_instruments[0], today)),
             ("usage records created", lambda: _usage_history(session, today)),
             ("bookings created", lambda: _bookings(session, cast, lab_instruments[1:4], today)),
             ("quote threads created", lambda: _deals(session, cast, lab_instruments, today))]
    for step, write in steps:
        created = write()
        session.commit()
        progress(step, created)


def _policies(session: Session) -> int:
    created = 0
    for name, rate, cap, organisation_kinds, listing_kinds, region in POLICIES:
        if not session.scalar(select(exists().where(SubsidyPolicy.name == name))):
            created += 1
            session.add(SubsidyPolicy(name=name, rate=rate, cap_cny=cap, eligible_organisation_kinds=organisation_kinds,
                                      listing_kinds=listing_kinds, region=region))
    return created


def _weekday_on_or_after(day: date) -> date:
    return day + timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


def _opening_hours(session: Session, instrument: SharedInstrument, today: date) -> int:
    """One instrument with a lunch break, Saturday mornings and a maintenance day; the rest keep the standard."""
    if session.scalar(select(exists().where(OpeningHours.instrument_id == instrument.id))):
        return 0
    for weekday in range(5):
        for opens, closes in ((8 * 60 + 30, 12 * 60), (13 * 60 + 30, 17 * 60 + 30)):
            session.add(OpeningHours(instrument_id=instrument.id, weekday=weekday, opens_minute=opens,
                                     closes_minute=closes))
    session.add(OpeningHours(instrument_id=instrument.id, weekday=5, opens_minute=9 * 60, closes_minute=12 * 60))
    session.add(OpeningHours(instrument_id=instrument.id, weekday=6, opens_minute=None, closes_minute=None))
    session.add(OpeningDate(instrument_id=instrument.id, day=_weekday_on_or_after(today + timedelta(days=12)),
                            note="年度维护保养，暂停开放"))
    return 1


def _usage_history(session: Session, today: date) -> int:
    """A year of use of every instrument of the base catalogue (not of the copies --scale adds): 20 to 120
    uses each, a third to four fifths of the hours by outside users, priced by the instrument's fees."""
    enterprises = list(session.scalars(select(Organisation.id).where(Organisation.kind == "enterprise")
                                       .order_by(Organisation.id)))
    used = set(session.scalars(select(UsageRecord.instrument_id).distinct()))
    base = {record["ref"] for record in generate_catalogue() if record["kind"] == "instrument"}
    rows = []
    for instrument in session.scalars(select(SharedInstrument).where(SharedInstrument.ref.in_(base))
                                      .order_by(SharedInstrument.id)):
        if instrument.id in used:
            continue
        rng = random.Random(instrument.ref)
        fees = instrument.fees or []
        hourly = next((f["price_cny"] for f in fees if f["unit"] == "hour"), None)
        per_unit = next((f["price_cny"] for f in fees if f["unit"] != "hour"), 0)  # per sample, item or day
        external_share = rng.uniform(0.35, 0.8)
        for _ in range(rng.randint(20, 120)):
            day = _weekday_on_or_after(today - timedelta(days=rng.randint(3, 365)))
            day = day if day < today else day - timedelta(days=7)
            external = rng.random() < external_share
            by_sample = hourly is None or (per_unit and rng.random() < 0.4)
            hours = float(rng.choice([1, 2, 2, 3, 4, 4, 6, 8]))
            samples = rng.randint(3, 40) if by_sample else rng.choice([0, 0, 2, 5, 10])
            income = samples * per_unit if by_sample else hours * hourly
            rows.append({
                "instrument_id": instrument.id, "used_on": day, "hours": hours, "samples": samples,
                "external": external, "user_organisation_id": rng.choice(enterprises) if external
                else instrument.organisation_id, "user_name": "",
                "income_cny": round(income if external else income * 0.5, 2),  # internal users pay half
                "source": "manual", "note": "", "created_at": datetime.combine(day, time(18))})
    if rows:
        session.execute(insert(UsageRecord), rows)
    return len(rows)


def _slot(day: date, start: int, end: int) -> tuple[datetime, datetime]:
    return datetime.combine(day, time(start)), datetime.combine(day, time(end))


def _bookings(session: Session, cast: Cast, instruments: list[SharedInstrument], today: date) -> int:
    """Requests waiting for the lab, approved and declined ones, one used but not yet marked completed,
    and completed ones (one reviewed)."""
    if session.scalar(select(exists().where(Booking.requester_id == cast.sme.organisation_id))):
        return 0
    first, second, third = instruments
    ahead = _weekday_on_or_after(today + timedelta(days=7 + max(i.booking_lead_hours or 0 for i in instruments) // 24))
    plan = [
        (first, _slot(ahead, 9, 12), BookingStatus.REQUESTED, 12, "胶囊剂有关物质检测，自带对照品", ""),
        (second, _slot(_weekday_on_or_after(ahead + timedelta(days=1)), 14, 16), BookingStatus.REQUESTED, None,
         "方法开发预实验", ""),
        (third, _slot(_weekday_on_or_after(ahead + timedelta(days=3)), 9, 17), BookingStatus.APPROVED, 40,
         "批量样品测试", "已安排专人上机，请提前 30 分钟到场。"),
        (first, _slot(_weekday_on_or_after(ahead + timedelta(days=2)), 13, 15), BookingStatus.DECLINED, None,
         "补充实验", "该时段已有校内课题占用，请改约下周。"),
        (second, _slot(_weekday_on_or_after(today - timedelta(days=9)), 9, 11), BookingStatus.APPROVED, 8,
         "稳定性样品复测", ""),
        (first, _slot(_weekday_on_or_after(today - timedelta(days=30)), 9, 12), BookingStatus.COMPLETED, 20,
         "杂质对照测试", ""),
        (third, _slot(_weekday_on_or_after(today - timedelta(days=60)), 13, 17), BookingStatus.COMPLETED, 30,
         "工艺验证批次检测", ""),
    ]
    for instrument, (start, end), status, samples, purpose, note in plan:
        fee_index = default_fee(instrument, samples)
        fee = instrument.fees[fee_index] if fee_index is not None else None
        estimate = round(fee["price_cny"] * fee_quantity(fee["unit"], start, end, samples), 2) if fee else None
        booking = Booking(instrument=instrument, requester_id=cast.sme.organisation_id, requested_by_id=cast.sme.id,
                          start_at=start, end_at=end, purpose=purpose, sample_count=samples, status=status,
                          decision_note=note, fee_item=fee["item"] if fee else "", fee_unit=fee["unit"] if fee else "",
                          estimate_cny=estimate, created_at=start - timedelta(days=10),
                          decided_at=None if status is BookingStatus.REQUESTED else start - timedelta(days=8))
        session.add(booking)
        if status is BookingStatus.COMPLETED:
            session.flush()
            record_booking_use(session, booking)
    session.flush()
    reviewed = session.scalars(select(Booking).where(Booking.requester_id == cast.sme.organisation_id,
                                                     Booking.status == BookingStatus.COMPLETED)
                               .order_by(Booking.start_at.desc())).first()
    session.add(Review(booking_id=reviewed.id, listing_id=reviewed.instrument_id, author_id=cast.sme.id, rating=4,
                       comment="预约流程顺畅，老师操作熟练，数据当天就拿到了。",
                       created_at=reviewed.end_at + timedelta(days=1)))
    return len(plan)


# Each thread: the quote's fate, the order's state, how many days ago it began, and its messages with
# when each was written after the first (the quote goes out 5 hours in; it is decided a day after that
# and a completed order's report arrives 8 days after the quote, so the replies follow those dates).
_QUOTED, _DECIDED, _COMPLETED = timedelta(hours=5), timedelta(days=1, hours=5), timedelta(days=8, hours=5)
_REPORTED = _COMPLETED + timedelta(hours=2)
THREADS = [
    ("offered", None, 3, [(timedelta(0), "您好，我们有一批样品需要检测，请问贵中心能否承接并报价？"),
                          (_QUOTED, "可以承接，报价已发出，请查收。")]),
    ("accepted", OrderStatus.IN_PROGRESS, 14, [(timedelta(0), "请报价，样品下周可送达。"),
                                               (_QUOTED, "已报价，收到样品后按报价周期出具报告。"),
                                               (_DECIDED, "报价已接受，样品周一寄出。")]),
    ("accepted", OrderStatus.COMPLETED, 40, [(timedelta(0), "希望尽快安排测试，需要带 CMA 章的报告。"),
                                             (_QUOTED, "可以，报价如下。"), (_REPORTED, "报告已收到，谢谢！")]),
    ("declined", None, 20, [(timedelta(0), "我们在评估国产替代方案，请提供这台设备的报价与交货期。"),
                            (_QUOTED, "报价已发，含安装培训。"), (_DECIDED, "谢谢，预算有限，今年暂不采购。")]),
    ("expired", None, 50, [(timedelta(0), "请问这个项目能做吗？费用大概多少？"),
                           (_QUOTED, "可以做，报价有效期 30 天。")]),
]
QUOTE_STATUS = {"offered": QuoteStatus.OFFERED, "expired": QuoteStatus.OFFERED, "accepted": QuoteStatus.ACCEPTED,
                "declined": QuoteStatus.DECLINED}


def _family(listing: Posting) -> dict:
    """The instrument family a demo listing was generated from (its ref names it: inst-005-aas, prod-aas-…)."""
    key = listing.ref.split("-", 2)[2] if listing.kind == "instrument" else listing.ref.split("-")[1]
    return FAMILY[key]


def _need_record(listing: Posting, city: str, today: date, rng: random.Random) -> dict:
    """A need of the demo SME that this listing answers: a test on its kind of instrument, or buying one."""
    family = _family(listing)
    deadline = (today + timedelta(days=rng.choice([21, 30, 45]))).isoformat()
    if listing.kind != "instrument":
        return {"title": f"拟采购国产{family['zh']}一台，替代进口设备", "category": family["category"],
                "description": f"公司质检部门计划采购一台国产{family['zh']}（{family['abbr']}），"
                               "希望了解性能、价格与交货期。",
                "keywords": [family["abbr"], "国产替代"], "deadline": deadline, "domestic_only": True}
    template = next((t for t in NEED_TEMPLATES if t[1] == family["key"]), None)
    count = rng.randint(*template[5]) if template else rng.randint(5, 40)
    if template:
        title, sample, standard, keywords = template[0].format(n=count, city=city, weeks=3), *template[2:5]
    else:
        title, sample = f"{family['zh']}（{family['abbr']}）测试，{count}个样品", "样品"
        standard, keywords = family["standards"][0], [family["abbr"]]
    return {"title": title, "category": family["category"], "sample_type": sample, "sample_count": count,
            "standards": [standard], "keywords": keywords, "deadline": deadline,
            "description": f"我司有{count}个{sample}样品需要按{standard}检测，请报价并告知检测周期。"}


def _sme_need(session: Session, cast: Cast, listing: Posting, today: date) -> TestNeed:
    ref = f"demo-need-{listing.ref}"
    need = session.scalar(select(TestNeed).where(TestNeed.kind == "need", TestNeed.ref == ref))
    if need is None:
        organisation = cast.sme_organisation
        city = (organisation.region or "武汉").split("/")[-1].removesuffix("市")
        need = TestNeed(ref=ref, organisation_id=organisation.id)
        apply_record(need, {"kind": "need", "ref": ref, "region": organisation.region,
                            **_need_record(listing, city, today, random.Random(ref))})
        session.add(need)
        session.flush()
    return need


def _deals(session: Session, cast: Cast, lab_instruments: list[SharedInstrument], today: date) -> int:
    """Five threads between the demo SME and the demo lab (four instruments) or vendor (one product), one per
    state a quote can be in, each about a need of the SME's that the listing answers."""
    product = session.scalars(select(DomesticProduct).where(
        DomesticProduct.organisation_id == cast.vendor.organisation_id).order_by(DomesticProduct.id)).first()
    listings: list[Posting] = [lab_instruments[4], lab_instruments[5], lab_instruments[6], product, lab_instruments[7]]
    created = 0
    for listing, (fate, order_status, days_ago, messages) in zip(listings, THREADS, strict=True):
        need = _sme_need(session, cast, listing, today)
        if session.scalar(select(exists().where(Inquiry.need_id == need.id, Inquiry.listing_id == listing.id))):
            continue
        provider = cast.vendor if listing.organisation_id == cast.vendor.organisation_id else cast.lab
        started = datetime.combine(today - timedelta(days=days_ago), time(10))
        inquiry = Inquiry(need=need, listing=listing, requester_id=need.organisation_id,
                          provider_id=listing.organisation_id, created_at=started)
        for step, (after, text) in enumerate(messages):
            author = provider if step % 2 else cast.sme
            inquiry.messages.append(Message(author_id=author.id, body=text, created_at=started + after))
        session.add(inquiry)
        created += 1
        lines = [QuoteLine(position=i, item=line.item, quantity=line.quantity, unit=line.unit,
                           unit_price_cny=line.unit_price_cny) for i, line in enumerate(suggested_lines(inquiry)[:3])]
        quoted = started + _QUOTED
        status = QUOTE_STATUS[fate]
        quote = Quote(inquiry=inquiry, lines=lines, price_cny=round(sum(line.amount_cny for line in lines), 2),
                      turnaround_days=7 if listing.kind == "instrument" else 45, valid_until=quoted.date() +
                      timedelta(days=30), conditions="含税价，出具 CMA 检测报告；样品检测后不退还。"
                      if listing.kind == "instrument" else "含运输、安装调试与两天操作培训，质保一年。",
                      status=status, created_by_id=provider.id, created_at=quoted,
                      decided_at=None if status is QuoteStatus.OFFERED else started + _DECIDED)
        session.add(quote)
        if order_status is not None:
            order = Order(quote=quote, status=order_status, created_at=started + _DECIDED,
                          completed_at=started + _COMPLETED if order_status is OrderStatus.COMPLETED else None)
            session.add(order)
            if order_status is OrderStatus.COMPLETED:
                session.flush()
                record_order_use(session, order, order.completed_at.date())
                session.add(Review(order_id=order.id, listing_id=listing.id, author_id=cast.sme.id, rating=5,
                                   comment="数据可靠，报告出具及时，沟通顺畅。",
                                   created_at=order.completed_at + timedelta(days=1)))
    return created

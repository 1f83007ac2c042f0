"""The demo shows every part of the product: `flask demo seed` leaves subsidy policies, a year of instrument
use, bookings, quotes and reviews in each of their states, and seeding again changes nothing. SQLite and
PostgreSQL, seeded once per database through the CLI as an operator runs it."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.clock import lab_today
from marketplace.db import Base
from marketplace.models import Booking, Inquiry, Quote, Review, SharedInstrument, SubsidyPolicy, UsageRecord, User
from marketplace.services import bookings, deals, sharing
from marketplace.services.demo import DEMO_PASSWORD, LAB, SME


@pytest.fixture(scope="module")
def app(shared_app):
    """Every test here only reads what the seeding below wrote."""
    return shared_app


def _seed(app) -> dict[str, int]:
    """Seeds through the CLI; what its progress lines said was written, by step."""
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    lines = [re.fullmatch(r"  ([a-z ]+): ([\d,]+) in \d+\.\d s \([\d,]+/s\)", line)
             for line in result.stderr.splitlines()]
    assert all(lines), result.stderr
    return {line[1]: int(line[2].replace(",", "")) for line in lines}


def _row_counts(app) -> dict[str, int]:
    with app.extensions["database"].new_session() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


@pytest.fixture(scope="module")
def progress(app):
    return _seed(app)


@pytest.fixture(scope="module")
def seeded(app, progress):
    return _row_counts(app)


@pytest.fixture
def session(app, seeded):
    with app.extensions["database"].new_session() as session:
        yield session


def _user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def test_seeding_prints_each_step_with_what_it_wrote(progress, seeded):
    assert progress["catalogue records read"] > 100 and progress["accounts created"] == 4
    # The history, then one record per completed booking (two) and order (one).
    assert progress["usage records created"] + 3 == seeded["usage_records"]
    assert progress["bookings created"] == seeded["bookings"] and progress["quote threads created"] == 5


def test_seeding_the_demo_again_changes_nothing_and_says_so(app, seeded):
    again = _seed(app)
    assert _row_counts(app) == seeded
    assert {step: count for step, count in again.items() if step != "catalogue records read"} == dict.fromkeys(
        ["accounts created", "subsidy policies created", "instruments given opening hours", "usage records created",
         "bookings created", "quote threads created"], 0)


def test_every_shared_instrument_has_a_year_of_use_for_the_sharing_report(session):
    today = lab_today()
    instruments = session.scalars(select(SharedInstrument.id)).all()
    used = session.execute(select(UsageRecord.instrument_id, func.min(UsageRecord.used_on), func.count())
                           .group_by(UsageRecord.instrument_id)).all()
    assert len(used) == len(instruments) and all(count >= 20 for _, _, count in used)
    assert min(first for _, first, _ in used) <= today - timedelta(days=300)
    lab = _user(session, LAB)
    reports = [sharing.sharing_report(session, lab, year) for year in (today.year - 1, today.year)]
    assert sum(r.totals.effective_hours for r in reports) > sum(r.totals.external_hours for r in reports) > 0
    assert sum(r.totals.external_users for r in reports) > 0 and sum(r.totals.income_cny for r in reports) > 0
    assert all(row.asset_number and row.original_value_cny for row in reports[-1].rows)


def test_the_demo_sme_sees_voucher_net_prices(session):
    assert session.scalar(select(func.count()).select_from(SubsidyPolicy).where(SubsidyPolicy.active.is_(True))) >= 1
    sme = _user(session, SME)
    threads = [deals.thread(session, sme, inquiry.id) for inquiry in deals.inquiries_for(session, sme)]
    assert any(price.policy for found in threads for price in found.net_prices.values())


def test_bookings_quotes_and_reviews_are_there_in_each_of_their_states(session):
    sme, lab = _user(session, SME), _user(session, LAB)
    assert {b.status.value for b in bookings.bookings_of_requester(session, sme)} == {
        "requested", "approved", "declined", "completed"}
    received = bookings.owner_bookings(session, lab)
    assert received.pending and received.to_complete and received.upcoming
    states = {summary.latest_state for summary in deals.inquiry_summaries(session, sme)}
    assert states == {"offered", "accepted", "declined", "expired"}
    assert all(quote.lines for quote in session.scalars(select(Quote)))
    assert session.scalar(select(func.count()).select_from(Review)) >= 2
    assert session.scalar(select(func.count()).select_from(Inquiry).where(Inquiry.provider_id == lab.organisation_id))


def test_each_demo_thread_reads_in_the_order_it_happened(session):
    """Replies follow the deal: a decision's answer is dated after the quote was decided, and "report
    received" after the order was completed (not on the quote's day)."""
    for inquiry in session.scalars(select(Inquiry)):
        dates = [message.created_at for message in inquiry.messages]
        assert dates == sorted(dates)
        quote = inquiry.quotes[-1]
        assert inquiry.created_at <= quote.created_at
        if quote.decided_at is not None and len(dates) > 2:
            assert dates[-1] >= quote.decided_at
        if quote.order is not None and quote.order.completed_at is not None:
            assert dates[-1] > quote.order.completed_at
            assert quote.order.review is None or quote.order.review.created_at > quote.order.completed_at


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_demo_pages_of_this_slice_open_for_their_users(app, session, language):
    sme_pages = ["/bookings/", "/inquiries/"] + [f"/inquiries/{i.id}" for i in session.scalars(select(Inquiry))]
    booked = session.scalar(select(Booking.instrument_id).limit(1))
    lab_pages = ["/bookings/", "/sharing", f"/instruments/{booked}/calendar", f"/instruments/{booked}/hours",
                 "/sharing?format=csv", "/sharing?format=xlsx"]
    for email, pages in ((SME, sme_pages), (LAB, lab_pages)):
        client = app.test_client()
        client.get(f"/language/{language}")
        assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
        for path in pages:
            assert client.get(path).status_code == 200, path

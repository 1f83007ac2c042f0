from datetime import date, datetime, time, timedelta

import pytest

from marketplace.models import BookingStatus
from marketplace.services import bookings, deals, postings, sharing
from marketplace.services.errors import Conflict, Forbidden, ValidationFailed
from tests.factories import instrument_record, invited_member, login, register

# 9:00 on a Monday a few weeks ahead: bookings are for the coming year, never the past.
_SOON = date.today() + timedelta(weeks=4)
MONDAY = datetime.combine(_SOON - timedelta(days=_SOON.weekday()), time(9))


@pytest.fixture
def setup(session):
    owner = register(session, email="lab@example.com")
    sme = register(session, email="sme@example.com", organisation="某企业", kind="enterprise")
    other = register(session, email="other@example.com", organisation="另一企业", kind="enterprise")
    instrument = postings.create_posting(session, owner, instrument_record())
    return owner, sme, other, instrument


def test_a_request_is_approved_by_the_owner_and_shows_in_the_calendar(session, setup):
    owner, sme, _, instrument = setup
    booking = bookings.request_booking(session, sme, instrument.id, MONDAY, MONDAY + timedelta(hours=3), "HPLC", 20)
    bookings.decide_booking(session, owner, booking.id, approve=True)
    days = bookings.week_calendar(session, instrument.id, MONDAY.date())
    assert days[0].booked_hours == 3 and days[0].bookings[0].status is BookingStatus.APPROVED
    assert all(d.booked_hours == 0 for d in days[1:])


def test_overlapping_an_approved_booking_is_rejected(session, setup):
    owner, sme, other, instrument = setup
    first = bookings.request_booking(session, sme, instrument.id, MONDAY, MONDAY + timedelta(hours=3))
    bookings.decide_booking(session, owner, first.id, approve=True)
    with pytest.raises(Conflict):
        bookings.request_booking(session, other, instrument.id, MONDAY + timedelta(hours=2),
                                 MONDAY + timedelta(hours=4))
    adjacent = bookings.request_booking(session, other, instrument.id, MONDAY + timedelta(hours=3),
                                        MONDAY + timedelta(hours=4))
    assert adjacent.status is BookingStatus.REQUESTED


def test_two_overlapping_requests_cannot_both_be_approved(session, setup):
    owner, sme, other, instrument = setup
    a = bookings.request_booking(session, sme, instrument.id, MONDAY, MONDAY + timedelta(hours=3))
    b = bookings.request_booking(session, other, instrument.id, MONDAY + timedelta(hours=1),
                                 MONDAY + timedelta(hours=2))
    bookings.decide_booking(session, owner, a.id, approve=True)
    with pytest.raises(Conflict):
        bookings.decide_booking(session, owner, b.id, approve=True)
    assert bookings.decide_booking(session, owner, b.id, approve=False).status is BookingStatus.DECLINED


def test_only_the_owner_decides_and_only_the_requester_cancels(session, setup):
    owner, sme, other, instrument = setup
    booking = bookings.request_booking(session, sme, instrument.id, MONDAY, MONDAY + timedelta(hours=1))
    with pytest.raises(Forbidden):
        bookings.decide_booking(session, sme, booking.id, approve=True)
    with pytest.raises(Forbidden):
        bookings.cancel_booking(session, other, booking.id)
    assert bookings.cancel_booking(session, sme, booking.id).status is BookingStatus.CANCELLED
    with pytest.raises(Conflict):
        bookings.decide_booking(session, owner, booking.id, approve=True)


def test_bad_times_are_clear_errors(session, setup):
    _, sme, _, instrument = setup
    with pytest.raises(ValidationFailed) as failure:
        bookings.request_booking(session, sme, instrument.id, MONDAY, MONDAY - timedelta(hours=1))
    assert "end_at" in failure.value.errors
    with pytest.raises(ValidationFailed) as failure:
        bookings.request_booking(session, sme, instrument.id, datetime(2001, 1, 1), datetime(2001, 1, 2))
    assert "start_at" in failure.value.errors
    with pytest.raises(ValidationFailed):
        bookings.request_booking(session, sme, instrument.id, MONDAY, MONDAY + timedelta(days=20))


def test_a_completed_booking_can_be_reviewed_once(session, setup):
    owner, sme, _, instrument = setup
    booking = bookings.request_booking(session, sme, instrument.id, MONDAY, MONDAY + timedelta(hours=1))
    bookings.decide_booking(session, owner, booking.id, approve=True)
    bookings.complete_booking(session, owner, booking.id, now=MONDAY + timedelta(hours=1))
    bookings.review_booking(session, sme, booking.id, 4, "好用")
    with pytest.raises(Conflict):
        bookings.review_booking(session, sme, booking.id, 5)


def test_a_booking_cannot_be_completed_before_its_slot_ends(client, session, setup):
    owner, sme, _, instrument = setup
    booking = bookings.request_booking(session, sme, instrument.id, MONDAY, MONDAY + timedelta(hours=3))
    bookings.decide_booking(session, owner, booking.id, approve=True)
    with pytest.raises(Conflict) as refused:
        bookings.complete_booking(session, owner, booking.id, now=MONDAY + timedelta(hours=2))
    assert "only after its slot ends" in str(refused.value)
    login(client, "lab@example.com")
    response = client.post(f"/bookings/{booking.id}/complete")
    assert response.status_code == 409 and "only after its slot ends" in response.get_data(as_text=True)
    assert "Completed" not in client.get(f"/instruments/{instrument.id}/calendar?week={MONDAY.date()}").get_data(
        as_text=True)
    assert sharing.sharing_report(session, owner, MONDAY.year).totals.effective_hours == 0
    done = bookings.complete_booking(session, owner, booking.id, now=MONDAY + timedelta(hours=3))
    assert done.status is BookingStatus.COMPLETED


def test_an_organisation_cannot_review_its_own_instrument(session, setup):
    owner, _, _, instrument = setup
    colleague = invited_member(session)
    booking = bookings.request_booking(session, colleague, instrument.id, MONDAY, MONDAY + timedelta(hours=1))
    bookings.decide_booking(session, owner, booking.id, approve=True)
    bookings.complete_booking(session, owner, booking.id, now=MONDAY + timedelta(hours=1))
    with pytest.raises(Forbidden) as refused:
        bookings.review_booking(session, colleague, booking.id, 5, "我们自己的仪器最好")
    assert "cannot review its own listing" in str(refused.value)
    assert deals.listing_rating(session, instrument.id) == (None, 0)


def test_the_calendar_opens_for_requesters_at_the_first_week_with_free_time_after_the_lead_time(session, setup):
    owner, sme, _, instrument = setup
    postings.update_posting(session, owner, instrument.id, instrument_record(booking_lead_hours=72))
    wednesday_evening = MONDAY - timedelta(days=5) + timedelta(hours=8)  # the lead time ends on Saturday
    found = bookings.calendar(session, sme, instrument.id, None, now=wednesday_evening)
    assert found.week == MONDAY.date() and any(day.free for day in found.days)
    asked = bookings.calendar(session, sme, instrument.id, wednesday_evening.date().isoformat(),
                              now=wednesday_evening)
    assert asked.week == MONDAY.date() - timedelta(days=7) and not any(day.free for day in asked.days)
    # The lab sees its current week, bookings and all.
    assert bookings.calendar(session, owner, instrument.id, None, now=wednesday_evening).week == asked.week

"""Every link a notification carries leads its reader to a page that exists."""
from datetime import datetime, time, timedelta

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from marketplace.models import Notification, User
from marketplace.services import alerts, bookings, deals, memberships, postings
from tests.factories import index_all, instrument_record, login, need_record, one_line, register, weekday_ahead


def test_every_notification_link_opens_a_page_for_its_reader(app, db):
    lab = register(db, email="lab@example.com")
    sme = register(db, email="sme@example.com", organisation="某药企", kind="enterprise")
    instrument = postings.create_posting(db, lab, instrument_record())
    need = postings.create_posting(db, sme, need_record(owner=None))
    index_all(app)

    # Inquiries, quotes and orders.
    inquiry = deals.open_inquiry(db, sme, need.id, instrument.id, "报价？")
    deals.post_message(db, lab, inquiry.id, "可以")
    order = deals.accept_quote(db, sme, deals.offer_quote(db, lab, inquiry.id, one_line(5000), 5).id)
    deals.complete_order(db, lab, order.id)
    # Bookings: requests, both decisions, a cancellation and a completion.
    day = weekday_ahead(10)
    for hour in (9, 13):
        start = datetime.combine(day, time(hour))
        booking = bookings.request_booking(db, sme, instrument.id, start, start + timedelta(hours=2))
        bookings.decide_booking(db, lab, booking.id, approve=hour == 9)
        if hour == 9:
            completed = bookings.complete_booking(db, lab, booking.id, now=booking.end_at)
    start = datetime.combine(day, time(15))
    cancelled = bookings.cancel_booking(db, sme, bookings.request_booking(db, sme, instrument.id, start,
                                                                          start + timedelta(hours=1)).id)
    # Membership: a request to join and its answer.
    newcomer = register(db, email="new@example.com", organisation="武汉大学分析测试中心")
    memberships.decide_request(db, lab, memberships.pending_request(db, newcomer).id, approve=True)
    # Alerts: a saved search and an open need that a new listing matches.
    alerts.save_search(db, sme, "HPLC", MultiDict({"q": "液相色谱"}))
    new = postings.create_posting(db, lab, instrument_record(ref="hplc-2", title="高效液相色谱仪 第二台"))
    index_all(app)
    assert alerts.announce_new_listings(db, app.extensions["search"].searcher, [new.id], backlog=0) >= 2

    notifications = db.scalars(select(Notification)).all()
    # The requester is asked to review a completed booking; the lab hears of a cancelled one.
    assert {bookings.request_path(completed.id), bookings.received_path(cancelled.id)} <= {
        n.link for n in notifications}
    assert {n.user_id for n in notifications} >= {lab.id, sme.id, newcomer.id} and len(notifications) > 10
    readers = {}
    for notification in notifications:
        if notification.user_id not in readers:
            readers[notification.user_id] = app.test_client()
            login(readers[notification.user_id], db.get(User, notification.user_id).email)
        response = readers[notification.user_id].get(notification.link)
        assert response.status_code == 200, (notification.message, notification.link, response.status_code)
        _, _, fragment = notification.link.partition("#")
        assert not fragment or f'id="{fragment}"' in response.text, (notification.message, notification.link)

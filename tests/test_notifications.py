"""Notifications keep their template and values and are shown in the reader's language; e-mail carries both
languages."""
import flask_babel
from sqlalchemy import select

from marketplace.messages import Phrase
from marketplace.models import EmailMessage, Notification
from marketplace.services import deals, postings
from marketplace.services.notifications import notify_users
from tests.factories import index_all, instrument_record, login, need_record, one_line, register


def test_a_notification_is_stored_as_template_and_values_and_read_in_each_language(client, session):
    provider = register(session)
    sme = register(session, email="sme@example.com", organisation="某药企", kind="enterprise")
    listing = postings.create_posting(session, provider, instrument_record())
    need = postings.create_posting(session, sme, need_record(owner=None))
    inquiry = deals.open_inquiry(session, sme, need.id, listing.id, "能否检测？")
    deals.offer_quote(session, provider, inquiry.id, one_line(48000), 10)
    stored = session.scalar(select(Notification).where(Notification.user_id == sme.id))
    assert (stored.template, stored.values) == ("New quote: ¥%(price)s", {"price": "48,000"})
    login(client, "sme@example.com")
    assert "New quote: ¥48,000" in client.get("/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)
    client.get("/language/zh")
    flask_babel.refresh()  # the session fixture's app context spans requests, and Flask-Babel caches the locale on it
    assert "新报价：¥48,000" in client.get("/dashboard").get_data(as_text=True)


def test_the_mail_copy_of_a_notification_says_it_in_chinese_and_english(session):
    user = register(session)
    notify_users(session, [user], Phrase("Booking approved: %(title)s", title="液相色谱仪"), "/instruments/1/calendar")
    session.commit()
    mail = session.scalar(select(EmailMessage))
    assert mail.subject == "[Yiqi Match] 预约已批准：液相色谱仪 / Booking approved: 液相色谱仪"
    assert mail.body.endswith("https://yiqi.example/instruments/1/calendar")


def test_match_reasons_are_shown_in_the_readers_language(app, client, session):
    lab = register(session)
    sme = register(session, email="sme@example.com", organisation="某药企", kind="enterprise")
    postings.create_posting(session, lab, instrument_record())
    need = postings.create_posting(session, sme, need_record(owner=None))
    index_all(app)
    client.get("/language/zh")
    page = client.get(f"/needs/{need.id}/matches").get_data(as_text=True)
    assert "同城" in page and "资质：CMA" in page and "在预算内" in page and "same city" not in page

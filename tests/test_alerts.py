"""Saved searches and the alerts a new listing sends, in the app and by mail."""
from werkzeug.datastructures import MultiDict

from marketplace.models import EmailMessage, Notification
from marketplace.services import alerts, postings
from tests.factories import index_all, instrument_record, login, need_record, register


def test_a_new_listing_alerts_saved_searches_and_matching_needs_in_app_and_by_mail(app, session):
    lab = register(session)
    sme = register(session, email="sme@example.com", organisation="某药企", kind="enterprise")
    postings.create_posting(session, sme, need_record(owner=None))
    alerts.save_search(session, sme, "液相", MultiDict({"q": "液相色谱"}))
    index_all(app)
    listing = postings.create_posting(session, lab, instrument_record())
    index_all(app)
    sent = alerts.announce_new_listings(session, app.extensions["search"].searcher, [listing.id], backlog=0)
    assert sent == 2
    messages = [n.message for n in session.query(Notification).filter_by(user_id=sme.id)]
    assert any("液相" in m for m in messages) and any("New listing for your need" in m for m in messages)
    assert session.query(EmailMessage).filter_by(to_address="sme@example.com").count() == 2
    assert alerts.announce_new_listings(session, app.extensions["search"].searcher, [listing.id], backlog=5000) == 0


def test_a_saved_search_needs_a_valid_query(client, session):
    register(session)
    login(client)
    assert client.post("/saved-searches", data={"q": "hplc", "limit": "9999", "name": "x"}).status_code == 422
    assert client.post("/saved-searches", data={"q": "hplc", "name": "HPLC"}).status_code == 302


def test_each_listing_is_announced_once_per_need_and_saved_search(app, session):
    lab = register(session)
    sme = register(session, email="sme@example.com", organisation="某药企", kind="enterprise")
    postings.create_posting(session, sme, need_record(owner=None))
    alerts.save_search(session, sme, "液相", MultiDict({"q": "液相色谱"}))
    listing = postings.create_posting(session, lab, instrument_record())
    index_all(app)
    searcher = app.extensions["search"].searcher
    assert alerts.announce_new_listings(session, searcher, [listing.id], backlog=0) == 2
    assert alerts.announce_new_listings(session, searcher, [listing.id], backlog=0) == 0  # re-indexed: no repeat
    assert session.query(Notification).filter_by(user_id=sme.id).count() == 2


def test_a_listing_that_shares_only_a_generic_word_with_a_need_does_not_alert_it(app, session):
    lab = register(session)
    sme = register(session, email="sme@example.com", organisation="某药企", kind="enterprise")
    postings.create_posting(session, sme, need_record(owner=None))  # capsule impurities by HPLC
    soil = postings.create_posting(session, lab, instrument_record(
        ref="icp", title="土壤重金属检测 ICP-MS", description="铅镉汞砷", keywords=["ICP-MS"], capabilities=["重金属"],
        standards=None, category="分析仪器/质谱仪器", model="iCAP RQ", manufacturer="Thermo"))
    index_all(app)
    assert alerts.announce_new_listings(session, app.extensions["search"].searcher, [soil.id], backlog=0) == 0


def test_a_need_alert_says_how_well_the_listing_matches_and_why(app, session):
    lab = register(session)
    sme = register(session, email="sme@example.com", organisation="某药企", kind="enterprise")
    postings.create_posting(session, sme, need_record(owner=None))
    listing = postings.create_posting(session, lab, instrument_record())
    index_all(app)
    alerts.announce_new_listings(session, app.extensions["search"].searcher, [listing.id], backlog=0)
    message = session.query(Notification).filter_by(user_id=sme.id).one().message
    assert "match 100%" in message and "no. 1 of its matches" in message and "matched:" in message

import pytest

from marketplace.models import OrderStatus, QuoteStatus
from marketplace.services import deals, postings
from marketplace.services.errors import Conflict, Forbidden, ValidationFailed
from marketplace.services.notifications import unread
from tests.factories import instrument_record, need_record, one_line, register


@pytest.fixture
def parties(session):
    provider = register(session, email="lab@example.com")
    sme = register(session, email="sme@example.com", organisation="武汉某药业有限公司", kind="enterprise")
    outsider = register(session, email="spy@example.com", organisation="无关公司", kind="enterprise")
    listing = postings.create_posting(session, provider, instrument_record())
    need = postings.create_posting(session, sme, need_record(owner=None))
    return provider, sme, outsider, listing, need


def test_an_sme_contacts_a_provider_and_they_agree_on_a_quote(session, parties):
    provider, sme, _, listing, need = parties
    inquiry = deals.open_inquiry(session, sme, need.id, listing.id, "能否检测 200 个胶囊样品？")
    assert [n.message for n in unread(session, provider)][0].startswith("New inquiry")
    deals.post_message(session, provider, inquiry.id, "可以，两周内完成。")
    quote = deals.offer_quote(session, provider, inquiry.id, one_line(48000), 10, "含报告")
    order = deals.accept_quote(session, sme, quote.id)
    assert quote.status is QuoteStatus.ACCEPTED and order.status is OrderStatus.IN_PROGRESS
    deals.complete_order(session, provider, order.id)
    deals.review_order(session, sme, order.id, 5, "专业、及时")
    assert deals.listing_rating(session, listing.id) == (5.0, 1)
    assert [m.body for m in inquiry.messages] == ["能否检测 200 个胶囊样品？", "可以，两周内完成。"]


def test_contacting_about_the_same_pair_reuses_the_thread(session, parties):
    _, sme, _, listing, need = parties
    first = deals.open_inquiry(session, sme, need.id, listing.id, "first")
    second = deals.open_inquiry(session, sme, need.id, listing.id, "second")
    assert first.id == second.id and len(second.messages) == 2


def test_a_withdrawn_quote_cannot_be_accepted(session, parties):
    provider, sme, _, listing, need = parties
    inquiry = deals.open_inquiry(session, sme, need.id, listing.id, "hi")
    quote = deals.offer_quote(session, provider, inquiry.id, one_line(1000), 5)
    deals.withdraw_quote(session, provider, quote.id)
    with pytest.raises(Conflict):
        deals.accept_quote(session, sme, quote.id)


def test_a_new_quote_replaces_the_one_on_offer(session, parties):
    provider, sme, _, listing, need = parties
    inquiry = deals.open_inquiry(session, sme, need.id, listing.id, "hi")
    old = deals.offer_quote(session, provider, inquiry.id, one_line(1000), 5)
    new = deals.offer_quote(session, provider, inquiry.id, one_line(900), 5)
    session.refresh(old)
    assert old.status is QuoteStatus.WITHDRAWN and new.status is QuoteStatus.OFFERED


def test_outsiders_cannot_read_or_act_on_a_private_thread(session, parties):
    provider, sme, outsider, listing, need = parties
    inquiry = deals.open_inquiry(session, sme, need.id, listing.id, "private")
    quote = deals.offer_quote(session, provider, inquiry.id, one_line(1000), 5)
    with pytest.raises(Forbidden):
        deals.get_inquiry(session, outsider, inquiry.id)
    with pytest.raises(Forbidden):
        deals.post_message(session, outsider, inquiry.id, "let me in")
    with pytest.raises(Forbidden):
        deals.accept_quote(session, outsider, quote.id)
    with pytest.raises(Forbidden):
        deals.accept_quote(session, provider, quote.id)  # the provider cannot accept its own quote
    with pytest.raises(Forbidden):
        deals.offer_quote(session, sme, inquiry.id, one_line(1), 1)  # only the provider quotes
    with pytest.raises(Forbidden):
        deals.open_inquiry(session, outsider, need.id, listing.id, "posing as the SME")


def test_reviews_need_a_completed_order_and_there_is_one_per_order(session, parties):
    provider, sme, _, listing, need = parties
    inquiry = deals.open_inquiry(session, sme, need.id, listing.id, "hi")
    order = deals.accept_quote(session, sme, deals.offer_quote(session, provider, inquiry.id, one_line(100), 1).id)
    with pytest.raises(Conflict):
        deals.review_order(session, sme, order.id, 4)
    deals.complete_order(session, provider, order.id)
    with pytest.raises(ValidationFailed):
        deals.review_order(session, sme, order.id, 6)
    deals.review_order(session, sme, order.id, 4, "ok")
    with pytest.raises(Conflict):
        deals.review_order(session, sme, order.id, 5)


def test_empty_and_oversize_messages_are_refused(session, parties):
    _, sme, _, listing, need = parties
    with pytest.raises(ValidationFailed):
        deals.open_inquiry(session, sme, need.id, listing.id, "   ")
    with pytest.raises(ValidationFailed):
        deals.open_inquiry(session, sme, need.id, listing.id, "长" * 5001)

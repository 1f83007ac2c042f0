"""Archive instead of destroy: what another party relies on stays readable; only unreferenced postings go."""
import pytest
from sqlalchemy import select

from indexer import maintenance
from marketplace.models import DeletedPosting, Order, Posting, Quote
from marketplace.services import deals, postings
from marketplace.services.errors import Conflict, PreconditionFailed
from tests.factories import index_all, instrument_record, login, need_record, register
from tests.test_web_postings import FORM


@pytest.fixture
def deal(session):
    """A provider's instrument and an SME's need, with an inquiry, a quote and an accepted order."""
    provider = register(session, email="lab@example.com")
    sme = register(session, email="sme@example.com", organisation="武汉某药业有限公司", kind="enterprise")
    listing = postings.create_posting(session, provider, instrument_record())
    need = postings.create_posting(session, sme, need_record(owner=None))
    inquiry = deals.open_inquiry(session, sme, need.id, listing.id, "能否检测？")
    quote = deals.offer_quote(session, provider, inquiry.id, 48000, 10)
    order = deals.accept_quote(session, sme, quote.id)
    return provider, sme, listing, need, inquiry, order


def _search_ids(client, text):
    return [r["id"] for r in client.get("/api/v1/search", query_string={"q": text}).get_json()["results"]]


@pytest.mark.parametrize("party", ["provider", "sme"])
def test_deleting_a_posting_with_an_order_archives_it_and_both_parties_keep_the_thread(
        app, client, session, deal, party):
    provider, sme, listing, need, inquiry, order = deal
    owner, posting, slug = (provider, listing, "instruments") if party == "provider" else (sme, need, "needs")
    login(client, owner.email)
    response = client.post(f"/{slug}/{posting.id}/delete")
    assert response.status_code == 302  # was a 500 (IntegrityError) for the instrument
    session.expire_all()
    assert session.get(Posting, posting.id).archived_at is not None
    assert session.get(Order, order.id) is not None and session.get(Quote, order.quote_id) is not None
    for user in (provider, sme):
        login(client, user.email)
        page = client.get(f"/inquiries/{inquiry.id}")
        assert page.status_code == 200 and "archived" in page.get_data(as_text=True)
    shown = client.get(f"/{slug}/{posting.id}").get_data(as_text=True)
    assert "archived" in shown and f"/{slug}/{posting.id}/edit" not in shown


def test_a_posting_nobody_relies_on_is_deleted_and_leaves_a_tombstone(session):
    user = register(session)
    posting = postings.create_posting(session, user, instrument_record())
    assert postings.remove_posting(session, user, posting.id) is postings.Removal.DELETED
    assert session.get(Posting, posting.id) is None
    tombstone = session.scalar(select(DeletedPosting))
    assert (tombstone.posting_id, tombstone.kind, tombstone.ref) == (posting.id, "instrument", posting.ref)


def test_archived_postings_leave_lists_and_search_and_the_index(app, client, session, deal):
    provider, _, listing, _, _, _ = deal
    index_all(app)
    assert listing.id in _search_ids(client, "液相色谱")
    postings.archive_posting(session, provider, listing.id)
    assert listing.id not in _search_ids(client, "液相色谱")  # the database drops it before the index hears
    index_all(app)
    backend = app.extensions["search"].searcher.backend
    assert str(listing.id) not in backend.versions()
    assert maintenance.verify(session, backend).clean
    assert postings.list_postings(session, "instrument").items == []
    assert [p.id for p in postings.list_postings(session, "instrument", organisation_id=listing.organisation_id)
            .items] == [listing.id]
    assert postings.count_by_kind(session).get("instrument", 0) == 0


def test_an_organisation_rename_does_not_bring_an_archived_posting_back_into_search(app, session, deal):
    provider, _, listing, _, _, _ = deal
    postings.archive_posting(session, provider, listing.id)
    index_all(app)
    listing.organisation.name = "武汉大学分析测试中心（新名）"
    session.commit()
    index_all(app)
    assert str(listing.id) not in app.extensions["search"].searcher.backend.versions()


def test_archived_postings_take_no_new_inquiries_or_changes(session, deal):
    provider, sme, listing, need, _, _ = deal
    other_need = postings.create_posting(session, sme, need_record(owner=None, ref="need-2"))
    postings.archive_posting(session, provider, listing.id)
    with pytest.raises(Conflict):
        deals.open_inquiry(session, sme, other_need.id, listing.id, "还在吗？")
    with pytest.raises(Conflict):
        postings.update_posting(session, provider, listing.id, instrument_record(title="复活"))
    with pytest.raises(Conflict):
        postings.archive_posting(session, provider, listing.id)


def test_an_edit_from_an_old_version_is_refused(session):
    user = register(session)
    posting = postings.create_posting(session, user, instrument_record())
    postings.update_posting(session, user, posting.id, instrument_record(title="第二版"), expected_version=1)
    with pytest.raises(PreconditionFailed):
        postings.update_posting(session, user, posting.id, instrument_record(title="覆盖"), expected_version=1)
    assert session.get(Posting, posting.id).title == "第二版"


def test_a_change_to_a_kind_column_alone_bumps_the_version(session):
    user = register(session)
    posting = postings.create_posting(session, user, instrument_record())
    postings.update_posting(session, user, posting.id, instrument_record(model="1290 Infinity II"))
    assert posting.version == 2


def test_two_edits_racing_from_the_same_version_cannot_both_win(app, session):
    """Both read version 1; the second to commit must fail, not overwrite the first."""
    user = register(session)
    posting_id = postings.create_posting(session, user, instrument_record()).id
    database = app.extensions["database"]
    first, second = database.new_session(), database.new_session()
    user_a, user_b = first.get(type(user), user.id), second.get(type(user), user.id)
    postings.get_for_edit(first, user_a, posting_id, expected_version=1)
    postings.get_for_edit(second, user_b, posting_id, expected_version=1)
    postings.update_posting(first, user_a, posting_id, instrument_record(title="A"), expected_version=1)
    with pytest.raises(PreconditionFailed):
        postings.update_posting(second, user_b, posting_id, instrument_record(title="B"), expected_version=1)
    first.close(), second.close()
    session.expire_all()
    assert session.get(Posting, posting_id).title == "A"


def test_the_edit_form_refuses_to_save_over_a_later_change(client, session):
    user = register(session)
    posting = postings.create_posting(session, user, instrument_record())
    login(client, user.email)
    form = client.get(f"/instruments/{posting.id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in form
    postings.update_posting(session, user, posting.id, instrument_record(title="别人的修改"))
    response = client.post(f"/instruments/{posting.id}/edit", data={**FORM, "version": "1", "title": "我的修改"})
    assert response.status_code == 409 and "我的修改" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Posting, posting.id).title == "别人的修改"

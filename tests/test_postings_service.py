import pytest
from sqlalchemy import select

from indexer.models import SearchChange
from marketplace.models import Posting, SharedInstrument
from marketplace.services import postings
from marketplace.services.errors import Forbidden, ValidationFailed
from tests.factories import instrument_record, register


def changes(session):
    return session.execute(select(SearchChange.posting_id, SearchChange.operation, SearchChange.version)
                           .order_by(SearchChange.id)).all()


def test_creating_a_posting_writes_an_outbox_change_in_the_same_transaction(session):
    user = register(session)
    posting = postings.create_posting(session, user, instrument_record())
    assert isinstance(posting, SharedInstrument)
    assert posting.version == 1
    assert changes(session) == [(posting.id, "upsert", 1)]


def test_editing_bumps_the_version_and_queues_an_upsert(session):
    user = register(session)
    posting = postings.create_posting(session, user, instrument_record())
    postings.update_posting(session, user, posting.id, instrument_record(title="新标题 New title"))
    assert posting.version == 2
    assert changes(session)[-1] == (posting.id, "upsert", 2)


def test_deleting_queues_a_delete_that_outranks_the_last_version(session):
    user = register(session)
    posting = postings.create_posting(session, user, instrument_record())
    postings.remove_posting(session, user, posting.id)
    assert session.get(Posting, posting.id) is None
    assert changes(session)[-1] == (posting.id, "delete", 2)


def test_a_rolled_back_change_leaves_no_outbox_row(session):
    user = register(session)
    posting = SharedInstrument(ref="x", organisation_id=user.organisation_id, title="t", description="")
    session.add(posting)
    session.flush()
    session.rollback()
    assert changes(session) == []
    assert session.scalars(select(Posting)).all() == []


def test_only_the_owning_organisation_may_edit(session):
    owner = register(session)
    other = register(session, email="other@example.com", organisation="另一家公司", kind="enterprise")
    posting = postings.create_posting(session, owner, instrument_record())
    with pytest.raises(Forbidden):
        postings.update_posting(session, other, posting.id, instrument_record(title="hijacked"))
    session.rollback()
    assert session.get(Posting, posting.id).title.startswith("高效液相色谱仪")


def test_invalid_records_are_rejected_with_field_messages_and_nothing_is_saved(session):
    user = register(session)
    with pytest.raises(ValidationFailed) as failure:
        postings.create_posting(session, user, instrument_record(title="", original_value_cny=-1,
                                                                 region="火星/基地"))
    assert "title" in failure.value.errors
    assert session.scalars(select(Posting)).all() == []
    assert changes(session) == []


def test_chinese_and_english_text_round_trips_intact(session):
    user = register(session)
    title = "扫描电镜 SEM — ZEISS Sigma 300 «场发射» ✓"
    posting = postings.create_posting(session, user, instrument_record(title=title))
    session.expire_all()
    assert session.get(Posting, posting.id).title == title


def test_a_rejected_edit_leaves_the_session_clean_and_the_posting_as_it_was(session):
    user = register(session)
    posting = postings.create_posting(session, user, instrument_record())
    with pytest.raises(ValidationFailed):
        postings.update_posting(session, user, posting.id, instrument_record(title="新标题", trl="high",
                                                                             fees=[{"item": "x"}]))
    assert not session.dirty and not session.new and not session.deleted
    session.commit()  # whatever the caller does next cannot write half of the rejected edit
    session.expire_all()
    assert session.get(Posting, posting.id).title.startswith("高效液相色谱仪") and posting.version == 1
    assert changes(session) == [(posting.id, "upsert", 1)]

"""The search outbox is written by the app's sessions in the transaction of the change, and only for
changes that alter a search document."""
import gc

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from indexer.change_tracking import install_change_tracking
from indexer.models import SearchChange
from marketplace.models import Organisation, SharedInstrument
from marketplace.services import postings
from tests.factories import instrument_record, register


def queued(session) -> list[tuple[int, int]]:
    return session.execute(select(SearchChange.posting_id, SearchChange.version).order_by(SearchChange.id)).all()


def test_renaming_an_organisation_requeues_its_postings_because_documents_show_the_owner_name(session):
    user = register(session)
    first = postings.create_posting(session, user, instrument_record(ref="a"))
    second = postings.create_posting(session, user, instrument_record(ref="b"))
    before = len(queued(session))
    session.get(Organisation, user.organisation_id).name = "武汉大学分析测试中心（新）"
    session.commit()
    assert queued(session)[before:] == [(first.id, 1), (second.id, 1)]


def test_an_organisation_change_that_no_document_shows_queues_nothing(session):
    user = register(session)
    postings.create_posting(session, user, instrument_record())
    before = queued(session)
    organisation = session.get(Organisation, user.organisation_id)
    organisation.region, organisation.verified = "湖北省/武汉市", True
    session.commit()
    assert queued(session) == before


def test_sessions_the_app_did_not_make_are_not_tracked(app, session):
    """The listener is on the app's sessionmaker, not on every SQLAlchemy Session in the process."""
    user = register(session)
    with Session(app.extensions["database"].engine) as foreign:
        foreign.add(SharedInstrument(ref="x", organisation_id=user.organisation_id, title="t", description=""))
        foreign.commit()
    assert session.scalar(select(func.count()).select_from(SearchChange)) == 0
    with app.extensions["database"].new_session() as own:
        own.add(SharedInstrument(ref="y", organisation_id=user.organisation_id, title="t", description=""))
        own.commit()
    assert session.scalar(select(func.count()).select_from(SearchChange)) == 1


def test_every_new_sessionmaker_is_tracked_even_at_the_address_of_a_collected_one(app, session):
    """SQLAlchemy's event registry is keyed by id(): a new sessionmaker often reuses a collected one's
    address, so asking the registry whether tracking is installed said yes for a sessionmaker without it
    (the outbox then silently missed that app's changes)."""
    user = register(session)
    for n in range(100):
        sessions = sessionmaker(app.extensions["database"].engine)
        install_change_tracking(sessions)
        install_change_tracking(sessions)  # idempotent: still one outbox row a change
        with sessions() as own:
            own.add(SharedInstrument(ref=f"r{n}", organisation_id=user.organisation_id, title="t", description=""))
            own.commit()
        del sessions, own
        gc.collect()
    assert session.scalar(select(func.count()).select_from(SearchChange)) == 100

"""The harvest feed: JSON Lines in the shared catalogue format, incremental, with tombstones."""
import json
import time
from concurrent.futures import ThreadPoolExecutor

from jsonschema import Draft202012Validator, FormatChecker

from marketplace.services import postings
from marketplace.validation import SCHEMA_PATH
from tests.factories import instrument_record, need_record, register

CONTRACT = Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")), format_checker=FormatChecker())


def lines(response):
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_the_feed_is_every_public_listing_in_the_shared_format(client, session):
    user = register(session)
    postings.create_posting(session, user, instrument_record())
    postings.create_posting(session, user, instrument_record(ref="inst-2", title="气相色谱仪"))
    postings.create_posting(session, register(session, email="sme@example.com", organisation="药企",
                                              kind="enterprise"), need_record(owner=None))
    response = client.get("/api/v1/feed.jsonl")
    assert response.status_code == 200 and response.mimetype == "application/jsonl"
    records = lines(response)
    assert [r["ref"] for r in records] == ["inst-hplc-1", "inst-2"]  # listings only, oldest change first
    for record in records:
        assert list(CONTRACT.iter_errors(record)) == [] and record["updated_at"].endswith("Z")


def test_a_harvester_gets_changes_since_its_last_visit_with_tombstones(client, session):
    user = register(session)
    kept = postings.create_posting(session, user, instrument_record(ref="kept"))
    archived = postings.create_posting(session, user, instrument_record(ref="archived"))
    deleted = postings.create_posting(session, user, instrument_record(ref="deleted"))
    first = lines(client.get("/api/v1/feed.jsonl"))
    since = max(r["updated_at"] for r in first)
    time.sleep(0.01)
    postings.update_posting(session, user, kept.id, instrument_record(ref="kept", title="改过的标题"))
    postings.archive_posting(session, user, archived.id)
    postings.remove_posting(session, user, deleted.id)
    changes = lines(client.get("/api/v1/feed.jsonl", query_string={"updated_since": since}))
    by_ref = {r["ref"]: r for r in changes}
    assert by_ref["kept"]["title"] == "改过的标题"
    assert by_ref["archived"]["deleted"] is True and by_ref["deleted"]["deleted"] is True
    assert [r["updated_at"] for r in changes] == sorted(r["updated_at"] for r in changes)
    assert "archived" not in {r["ref"] for r in lines(client.get("/api/v1/feed.jsonl"))}


def test_if_modified_since_answers_304_until_something_changes(client, session):
    user = register(session)
    posting = postings.create_posting(session, user, instrument_record())
    first = client.get("/api/v1/feed.jsonl")
    stamp = first.headers["Last-Modified"]
    first.close()  # a harvester that reads only the headers ends the stream
    assert client.get("/api/v1/feed.jsonl", headers={"If-Modified-Since": stamp}).status_code == 304
    time.sleep(1.1)  # HTTP dates have whole seconds
    postings.update_posting(session, user, posting.id, instrument_record(title="新"))
    again = client.get("/api/v1/feed.jsonl", headers={"If-Modified-Since": stamp})
    assert again.status_code == 200 and again.headers["Last-Modified"] != stamp and lines(again)


def test_a_harvested_feed_leaves_no_database_connection_checked_out(app, client, session):
    # The stream outlives its request: it once read through the request's session after the request
    # had ended, which left a PostgreSQL connection idle in a transaction (holding its locks) after every
    # harvest. Requests run in a thread of their own, as a server's do, outside the test's app context.
    postings.create_posting(session, register(session), instrument_record())
    session.commit()
    pool = app.extensions["database"].engine.pool
    before = pool.checkedout()

    def harvest(query: str) -> int:
        return len(lines(client.get(f"/api/v1/feed.jsonl{query}")))
    with ThreadPoolExecutor(max_workers=1) as server:
        assert list(server.map(harvest, ["", "?updated_since=2020-01-01T00:00:00Z"])) == [1, 1]
    assert pool.checkedout() == before

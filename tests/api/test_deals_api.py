"""Inquiries, messages, quotes and orders through the API: the same services and rules as the site."""
import pytest

from marketplace.services import postings
from tests.api.conftest import holder
from tests.factories import instrument_record, need_record


@pytest.fixture
def pair(session, lab, sme):
    listing = postings.create_posting(session, lab.user, instrument_record())
    need = postings.create_posting(session, sme.user, need_record(owner=None))
    return listing.id, need.id


def test_an_sme_and_a_provider_agree_on_a_quote_through_the_api(client, lab, sme, pair):
    listing_id, need_id = pair
    opened = client.post("/api/v1/inquiries", json={"need_id": need_id, "listing_id": listing_id,
                                                    "body": "能否检测 200 个胶囊样品？"}, headers=sme.write)
    assert opened.status_code == 201, opened.get_data(as_text=True)
    thread_url = opened.headers["Location"]
    reply = client.post(f"{thread_url}/messages", json={"body": "可以，两周内完成。"}, headers=lab.write)
    assert reply.status_code == 201 and reply.get_json()["author"] == "Test User"
    quoted = client.post(f"{thread_url}/quotes", json={"price_cny": 48000, "turnaround_days": 10,
                                                       "conditions": "含报告"}, headers=lab.write)
    assert quoted.status_code == 201 and quoted.get_json()["status"] == "offered"
    accepted = client.post(f"{quoted.headers['Location']}/accept", headers=sme.write)
    assert accepted.status_code == 201 and accepted.get_json()["status"] == "in_progress"
    assert client.get(accepted.headers["Location"], headers=lab.read).get_json()["quote_id"] == quoted.get_json()["id"]
    thread = client.get(thread_url, headers=lab.read).get_json()
    assert [m["body"] for m in thread["messages"]] == ["能否检测 200 个胶囊样品？", "可以，两周内完成。"]
    assert thread["quotes"][0]["order"]["status"] == "in_progress"
    assert [i["id"] for i in client.get("/api/v1/inquiries", headers=sme.read).get_json()["items"]] == [thread["id"]]


def test_only_the_two_organisations_read_a_thread_and_each_does_only_its_part(client, session, lab, sme, pair):
    listing_id, need_id = pair
    thread_url = client.post("/api/v1/inquiries", json={"need_id": need_id, "listing_id": listing_id, "body": "hi"},
                             headers=sme.write).headers["Location"]
    outsider = holder(session, email="spy@example.com", organisation="无关公司", kind="enterprise")
    assert client.get(thread_url, headers=outsider.read).status_code == 403
    assert client.get(thread_url).status_code == 401
    assert client.post(f"{thread_url}/quotes", json={"price_cny": 1, "turnaround_days": 1},
                       headers=sme.write).status_code == 403  # the requester cannot quote
    quote_url = client.post(f"{thread_url}/quotes", json={"price_cny": 100, "turnaround_days": 3},
                            headers=lab.write).headers["Location"]
    assert client.post(f"{quote_url}/accept", headers=lab.write).status_code == 403  # nor the provider accept
    assert client.post(f"{quote_url}/accept", headers=sme.read).status_code == 403  # nor a read token
    declined = client.post(f"{quote_url}/decline", headers=sme.write)
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    assert client.post(f"{quote_url}/accept", headers=sme.write).status_code == 409


def test_an_inquiry_about_an_archived_listing_is_a_conflict(client, session, lab, sme, pair):
    listing_id, need_id = pair
    postings.archive_posting(session, lab.user, listing_id)
    response = client.post("/api/v1/inquiries", json={"need_id": need_id, "listing_id": listing_id, "body": "hi"},
                           headers=sme.write)
    assert response.status_code == 409


def test_me_names_the_tokens_organisation(client, sme):
    body = client.get("/api/v1/me", headers=sme.read).get_json()
    assert body == {"organisation": {"id": sme.user.organisation_id, "name": "武汉某药业有限公司"},
                    "token_name": "dashboard", "scope": "read"}

"""Postings through the API: every kind of the registry round-trips; versions guard every change."""
import pytest

from marketplace import kinds
from marketplace.services import postings
from tests.factories import full_record, instrument_record

KINDS = [pytest.param(kind, id=name) for name, kind in kinds.KINDS.items()]
PROBLEM = "application/problem+json"


def body_of(record):
    """A catalogue record as an API body: no kind (the URL says it), no owner (the token says it)."""
    return {key: value for key, value in record.items() if key not in ("kind", "owner")}


def create(client, holder, slug="instruments", **overrides):
    response = client.post(f"/api/v1/{slug}", json=body_of(instrument_record(**overrides)), headers=holder.write)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_of_every_kind_round_trips_through_create_and_read(client, lab, kind):
    record = full_record(kind)
    response = client.post(f"/api/v1/{kind.slug}", json=body_of(record), headers=lab.write)
    assert response.status_code == 201, response.get_data(as_text=True)
    read = client.get(response.headers["Location"])
    assert read.status_code == 200 and read.headers["ETag"] == response.headers["ETag"]
    body = read.get_json()
    assert {key: body[key] for key in body_of(record)} == body_of(record)
    assert body["owner"]["name"] == "武汉大学分析测试中心" and body["archived_at"] is None


def test_an_update_needs_the_version_read_and_a_stale_one_is_refused(client, lab):
    created = create(client, lab)
    url, etag = created.headers["Location"], created.headers["ETag"]
    new = body_of(instrument_record(title="新标题")) | {"ref": None}
    new.pop("ref")
    missing = client.put(url, json=new, headers=lab.write)
    assert missing.status_code == 428 and missing.content_type == PROBLEM
    first = client.put(url, json=new, headers={**lab.write, "If-Match": etag})
    assert first.status_code == 200 and first.headers["ETag"] != etag and first.get_json()["title"] == "新标题"
    second = client.put(url, json={**new, "title": "覆盖"}, headers={**lab.write, "If-Match": etag})
    assert second.status_code == 412 and second.get_json()["status"] == 412
    assert client.get(url).get_json()["title"] == "新标题"


def test_a_weak_or_foreign_etag_does_not_match(client, lab):
    url = create(client, lab).headers["Location"]
    new = {key: value for key, value in body_of(instrument_record()).items() if key != "ref"}
    for tag in ('W/"1-1"', '"999-1"', "garbage"):
        assert client.put(url, json=new, headers={**lab.write, "If-Match": tag}).status_code == 412


def test_reads_answer_304_to_the_current_etag(client, lab):
    created = create(client, lab)
    response = client.get(created.headers["Location"], headers={"If-None-Match": created.headers["ETag"]})
    assert response.status_code == 304 and response.headers["ETag"] == created.headers["ETag"]


def test_archiving_keeps_the_posting_readable_and_takes_it_off_the_list(client, lab):
    created = create(client, lab)
    url = created.headers["Location"]
    archived = client.post(f"{url}/archive", headers={**lab.write, "If-Match": created.headers["ETag"]})
    assert archived.status_code == 200 and archived.get_json()["archived_at"].endswith("Z")
    assert client.get(url).get_json()["archived_at"] is not None
    assert client.get("/api/v1/instruments").get_json()["items"] == []
    assert len(client.get("/api/v1/instruments?include_archived=true").get_json()["items"]) == 1
    again = client.post(f"{url}/archive", headers={**lab.write, "If-Match": archived.headers["ETag"]})
    assert again.status_code == 409


def test_tokens_act_under_the_sites_rules(client, lab, sme):
    created = create(client, lab)
    url, etag = created.headers["Location"], created.headers["ETag"]
    new = {key: value for key, value in body_of(instrument_record()).items() if key != "ref"}
    assert client.put(url, json=new, headers={**sme.write, "If-Match": etag}).status_code == 403
    denied = client.put(url, json=new, headers={**lab.read, "If-Match": etag})
    assert denied.status_code == 403 and "insufficient_scope" in denied.headers["WWW-Authenticate"]
    anonymous = client.put(url, json=new, headers={"If-Match": etag})
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(url, headers={"Authorization": "Bearer yq_forged"}).status_code == 401


def test_a_posting_of_another_kind_is_not_found_at_this_kinds_address(client, lab):
    posting_id = create(client, lab).get_json()["id"]
    assert client.get(f"/api/v1/needs/{posting_id}").status_code == 404
    assert client.post(f"/api/v1/needs/{posting_id}/archive", headers={**lab.write, "If-Match": "*"}).status_code == 404


def test_lists_filter_like_the_search_page_and_page_with_a_next_link(client, lab, sme, session):
    for number in range(5):
        create(client, lab, ref=f"inst-{number}", region="湖北省/武汉市" if number % 2 else "北京市/北京市",
               certifications=["CMA", "CNAS"] if number == 3 else ["CMA"])
    create(client, sme, ref="sme-inst", region="湖北省/武汉市")
    wuhan = client.get("/api/v1/instruments", query_string={"region": "湖北省"}).get_json()["items"]
    assert sorted(item["ref"] for item in wuhan) == ["inst-1", "inst-3", "sme-inst"]
    both = client.get("/api/v1/instruments", query_string={"certification": ["cma", "CNAS"]}).get_json()["items"]
    assert [item["ref"] for item in both] == ["inst-3"]
    mine = client.get("/api/v1/instruments", query_string={"owner": lab.user.organisation_id}).get_json()["items"]
    assert len(mine) == 5
    seen, url = [], "/api/v1/instruments?limit=2"
    while url:
        response = client.get(url)
        page = response.get_json()
        seen += [item["ref"] for item in page["items"]]
        assert (page["next"] is None) == ("Link" not in response.headers)
        url = page["next"]
    assert seen == ["sme-inst", "inst-4", "inst-3", "inst-2", "inst-1", "inst-0"]


def test_updated_since_returns_only_later_changes(client, lab, session):
    first = create(client, lab, ref="old").get_json()
    later = create(client, lab, ref="new").get_json()
    since = later["updated_at"]
    refs = [i["ref"] for i in client.get("/api/v1/instruments", query_string={"updated_since": since})
            .get_json()["items"]]
    assert refs == ["new"] and first["updated_at"] < since


def test_errors_are_problem_details_with_a_message_per_field(client, lab):
    response = client.post("/api/v1/instruments", json={"title": "", "trl": 3, "fees": [{"item": "x"}]},
                           headers=lab.write)
    problem = response.get_json()
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert set(problem) == {"type", "title", "status", "detail", "instance", "errors"}
    assert problem["instance"] == "/api/v1/instruments"
    fields = {error["field"] for error in problem["errors"]}
    assert {"title", "trl", "fees.0.price_cny", "fees.0.unit"} <= fields


@pytest.mark.parametrize("body, content_type, status", [
    ('{"title": ', "application/json", 400), ("title=x", "application/x-www-form-urlencoded", 415),
    ('{"title": "a\\u0000b"}', "application/json", 422), ("[" * 100_000 + "]" * 100_000, "application/json", 400),
])
def test_bodies_that_are_not_json_objects_are_refused_clearly(client, lab, body, content_type, status):
    response = client.post("/api/v1/instruments", data=body, content_type=content_type, headers=lab.write)
    assert response.status_code == status and response.content_type == PROBLEM


def test_the_domain_rules_of_the_site_apply(client, lab):
    response = client.post("/api/v1/instruments", json=body_of(instrument_record(region="火星")), headers=lab.write)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "region"
    create(client, lab)
    duplicate = client.post("/api/v1/instruments", json=body_of(instrument_record()), headers=lab.write)
    assert duplicate.status_code == 422 and duplicate.get_json()["errors"][0]["field"] == "ref"


def test_unknown_addresses_and_methods_under_the_api_are_problems_too(client):
    assert client.get("/api/v1/spaceships").content_type == PROBLEM
    response = client.delete("/api/v1/instruments")
    assert response.status_code == 405 and response.content_type == PROBLEM


def test_the_api_never_acts_on_the_session_cookie(client, lab, session):
    from tests.factories import login
    login(client, lab.user.email)
    response = client.post("/api/v1/instruments", json=body_of(instrument_record()))
    assert response.status_code == 401
    assert postings.list_postings(session, "instrument").items == []


def test_a_server_error_under_the_api_is_a_problem_too(app, client, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler answers
    monkeypatch.setattr(postings, "browse_postings", lambda *_: 1 / 0)
    response = client.get("/api/v1/instruments")
    assert response.status_code == 500 and response.content_type == PROBLEM
    assert response.get_json()["instance"] == "/api/v1/instruments"


def test_the_api_rate_limit_counts_per_token_or_per_address_across_operations(app, client, lab):
    app.config.update(API_LIMIT_ANONYMOUS="3 per minute", API_LIMIT_PER_TOKEN="4 per minute")
    for url in ("/api/v1/instruments", "/api/v1/needs", "/api/v1/search"):
        assert client.get(url).status_code == 200
    refused = client.get("/api/v1/products")  # another operation draws on the same allowance
    assert refused.status_code == 429 and refused.content_type == PROBLEM and refused.headers["Retry-After"]
    for _ in range(4):
        assert client.get("/api/v1/instruments", headers=lab.read).status_code == 200
    assert client.get("/api/v1/instruments", headers=lab.read).status_code == 429

from sqlalchemy import select

from marketplace.models import Posting
from marketplace.services import postings
from tests.factories import instrument_record, login, register

FORM = {
    "title": "扫描电子显微镜 SEM", "description": "场发射扫描电镜，开放共享。", "region": "湖北省/武汉市",
    "category": "分析仪器/电子光学仪器", "keywords": "SEM\n扫描电镜", "model": "Sigma 300", "manufacturer": "ZEISS",
    "origin": "imported", "original_value_cny": "3200000", "service_modes": ["operated_by_staff"],
    "fees_text": "形貌观察 | 400 | hour", "certifications": "cma", "capabilities": "形貌\n能谱",
}


def test_a_signed_in_member_creates_a_listing_through_the_form(client, session):
    register(session)
    login(client)
    response = client.post("/instruments/new", data=FORM)
    assert response.status_code == 302
    posting = session.scalar(select(Posting))
    assert posting.title == "扫描电子显微镜 SEM"
    assert posting.fees == [{"item": "形貌观察", "price_cny": 400.0, "unit": "hour"}]
    page = client.get(response.headers["Location"])
    assert "扫描电子显微镜 SEM" in page.get_data(as_text=True)


def test_form_errors_come_back_as_422_with_messages_next_to_fields(client, session):
    register(session)
    login(client)
    response = client.post("/instruments/new", data={**FORM, "title": "", "original_value_cny": "abc",
                                                      "fees_text": "oops", "region": "火星"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required" in body and "Not a valid decimal value" in body
    assert "item | price | unit" in body
    assert session.scalars(select(Posting)).all() == []


def test_money_inputs_left_empty_are_saved_as_no_value(client, session):
    register(session)
    login(client)
    response = client.post("/instruments/new", data={**FORM, "original_value_cny": "  "})  # as a browser sends it
    assert response.status_code == 302, response.get_data(as_text=True)
    assert session.scalar(select(Posting)).original_value_cny is None


def test_oversize_text_is_a_clear_error_not_a_crash(client, session):
    register(session)
    login(client)
    response = client.post("/needs/new", data={"title": "测" * 301, "description": "x" * 20001})
    assert response.status_code == 422
    assert "Field cannot be longer than 300 characters" in response.get_data(as_text=True)


def test_inline_validation_returns_the_form_fragment_with_errors(client):
    response = client.post("/products/validate", data={"title": "国产液相", "price_min_cny": "9", "price_max_cny": "1"},
                           headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in body and "must not be below the minimum price" in body


def test_list_pages_serve_a_fragment_to_htmx_and_vary_on_it(client, session):
    user = register(session)
    postings.create_posting(session, user, instrument_record())
    full = client.get("/instruments/")
    fragment = client.get("/instruments/", headers={"HX-Request": "true"})
    restore = client.get("/instruments/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in full.get_data(as_text=True) and "<html" not in fragment.get_data(as_text=True)
    assert "<html" in restore.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]
    assert "高效液相色谱仪" in fragment.get_data(as_text=True)


def test_only_the_owner_can_open_the_edit_page_or_delete(client, session):
    owner = register(session)
    posting = postings.create_posting(session, owner, instrument_record())
    register(session, email="sme@example.com", organisation="某企业", kind="enterprise")
    login(client, "sme@example.com")
    assert client.get(f"/instruments/{posting.id}/edit").status_code == 403
    assert client.post(f"/instruments/{posting.id}/delete").status_code == 403
    assert client.post(f"/instruments/{posting.id}/edit", data=FORM).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_before_posting(client):
    response = client.get("/needs/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_owner_edits_and_the_page_shows_the_new_text(client, session):
    owner = register(session)
    posting = postings.create_posting(session, owner, instrument_record())
    login(client)
    form = client.get(f"/instruments/{posting.id}/edit").get_data(as_text=True)
    assert "有关物质 | 300 | sample" in form
    response = client.post(f"/instruments/{posting.id}/edit", data={**FORM, "title": "液相色谱仪 HPLC（更新）"})
    assert response.status_code == 302
    assert "液相色谱仪 HPLC（更新）" in client.get(f"/instruments/{posting.id}").get_data(as_text=True)


def test_unknown_pages_and_kinds_are_404(client):
    assert client.get("/widgets/").status_code == 404
    assert client.get("/instruments/999").status_code == 404


def test_a_rejected_edit_changes_nothing_and_the_next_edit_saves(client, session):
    owner = register(session)
    posting = postings.create_posting(session, owner, instrument_record())
    login(client)
    rejected = client.post(f"/instruments/{posting.id}/edit", data={**FORM, "region": "火星/基地", "title": "改坏了"})
    assert rejected.status_code == 422 and "must start with a province" in rejected.get_data(as_text=True)
    session.expire_all()
    assert session.get(Posting, posting.id).title.startswith("高效液相色谱仪")
    assert client.post(f"/instruments/{posting.id}/edit", data=FORM).status_code == 302
    session.expire_all()
    assert session.get(Posting, posting.id).title == FORM["title"]

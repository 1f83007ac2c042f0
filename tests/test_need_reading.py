"""A posted need's fields pre-filled from its free text, and shown before it is saved."""
from datetime import date, timedelta

from sqlalchemy import select

from marketplace.models import TestNeed
from tests.factories import login, register

TEXT = "需要 CMA 报告：胶囊有关物质检测 HPLC，共 200 个样品，武汉，预算 3 万元以内，截止 2099年6月30日前"
# As a browser posts the form: every field, the empty ones as "".
NEED = {"title": "胶囊有关物质检测", "description": TEXT, "region": "", "sample_type": "", "sample_count": "",
        "deadline": "", "budget_cny": "", "certifications": "", "standards": ""}


def _signed_in(client, session):
    register(session, email="sme@example.com", organisation="武汉某药业有限公司", kind="enterprise")
    login(client, "sme@example.com")


def test_saving_a_need_first_fills_the_empty_fields_its_text_states_and_shows_them(client, session):
    _signed_in(client, session)
    response = client.post("/needs/new", data=NEED)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and session.scalars(select(TestNeed)).all() == []
    assert 'name="reviewed"' in page and 'selected value="湖北省/武汉市"' in page
    assert 'value="200"' in page and 'value="30000' in page and "\r\nCMA</textarea>" in page
    confirmed = client.post("/needs/new", data={
        **NEED, "reviewed": "1", "region": "湖北省/武汉市", "sample_type": "胶囊", "sample_count": "200",
        "budget_cny": "30000", "deadline": "2099-06-30", "certifications": "CMA"})
    assert confirmed.status_code == 302
    need = session.scalar(select(TestNeed))
    assert (need.region, need.sample_count, need.certifications) == ("湖北省/武汉市", 200, ["CMA"])


def test_what_the_person_typed_is_kept_and_a_complete_need_saves_at_once(client, session):
    _signed_in(client, session)
    deadline = (date.today() + timedelta(days=30)).isoformat()
    typed = {**NEED, "region": "上海市/上海市", "sample_type": "片剂", "sample_count": "50", "budget_cny": "8000",
             "deadline": deadline, "certifications": "CNAS", "standards": "中国药典"}
    assert client.post("/needs/new", data=typed).status_code == 302
    need = session.scalar(select(TestNeed))
    assert (need.region, need.sample_type, need.sample_count) == ("上海市/上海市", "片剂", 50)


def test_the_fill_in_button_returns_the_form_with_the_fields_filled(client, session):
    _signed_in(client, session)
    fragment = client.post("/needs/read", data={**NEED, "sample_count": "12"},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'selected value="湖北省/武汉市"' in fragment
    assert 'value="12"' in fragment and 'value="200"' not in fragment  # typed by the person: kept


def test_a_search_that_found_nothing_opens_the_need_form_with_its_words(client, session):
    _signed_in(client, session)
    page = client.get("/needs/new", query_string={"description": TEXT}).get_data(as_text=True)
    assert TEXT in page and 'selected value="湖北省/武汉市"' in page and 'name="reviewed"' in page

"""Matches for needs, leads for providers, dashboards per role. These tests only read: the catalogue is
loaded and indexed once per database (saved searches and alerts, which write, are in test_alerts.py)."""
from types import SimpleNamespace

import pytest

from marketplace.models import TestNeed
from marketplace.services import matching, postings
from tests.factories import index_all, instrument_record, login, need_record, register


@pytest.fixture(scope="module")
def app(shared_app):
    return shared_app


@pytest.fixture(scope="module")
def catalogue(app):
    """A university's imported HPLC, a vendor's domestic one, and an SME's needs: capsules (twice, once
    domestic-only), soil, and one no listing can serve."""
    with app.app_context():
        session = app.extensions["database"].session
        lab = register(session)
        vendor = register(session, email="v@example.com", organisation="国产仪器公司", kind="vendor")
        sme = register(session, email="sme@example.com", organisation="某药企", kind="enterprise")
        ids = SimpleNamespace(
            lab=lab.organisation_id,
            imported=postings.create_posting(session, lab, instrument_record()).id,
            domestic=postings.create_posting(session, vendor, {
                "kind": "product", "ref": "lc", "title": "国产液相色谱仪", "description": "HPLC 杂质分析",
                "origin": "domestic"}).id,
            need=postings.create_posting(session, sme, need_record(owner=None)).id,
            strict=postings.create_posting(session, sme, need_record(owner=None, ref="need-2", domestic_only=True)).id,
            soil=postings.create_posting(session, sme, need_record(owner=None, ref="n2", title="土壤重金属检测",
                                                                   description="铅镉汞", sample_type="土壤")).id,
            cooking=postings.create_posting(session, sme, need_record(owner=None, ref="n3", title="红烧肉的家常做法",
                                                                      description="肥而不腻", sample_type=None)).id)
    index_all(app)
    return ids


def test_matches_rank_the_right_listings_and_respect_domestic_only(app, session, catalogue):
    searcher = app.extensions["search"].searcher
    found = matching.matches_for_need(session, searcher, session.get(TestNeed, catalogue.need))
    assert found[0].posting.id == catalogue.imported
    reasons = " ".join(found[0].reasons)
    assert "same city" in reasons and "CMA" in reasons and "within budget" in reasons
    strict = session.get(TestNeed, catalogue.strict)
    assert {m.posting.id for m in matching.matches_for_need(session, searcher, strict)} == {catalogue.domestic}


def test_a_need_no_listing_serves_says_so_and_offers_a_search_of_the_catalogue(client, catalogue):
    page = client.get(f"/needs/{catalogue.cooking}/matches").get_data(as_text=True)
    assert "No listing matches this need well yet" in page and "q=%E7%BA%A2%E7%83%A7%E8%82%89" in page
    assert "液相色谱" not in page


def test_providers_see_only_the_open_needs_their_listings_match_well_with_score_and_reasons(app, session, catalogue):
    leads = matching.leads_for_organisation(session, app.extensions["search"].searcher, catalogue.lab)
    # Not the domestic-only capsule need (the lab's HPLC is imported), nor the soil one (it shares one word).
    assert [lead.need.id for lead in leads] == [catalogue.need]
    lead = leads[0]
    assert lead.via.id == catalogue.imported and lead.match.rank == 1 and lead.match.relative_score == 1.0
    assert len(lead.match.telling_terms) >= 2 and any("same city" in reason for reason in lead.match.reasons)


def test_the_leads_page_shows_each_leads_score_and_why(client, catalogue):
    login(client, "lab@example.com")
    page = client.get("/leads").get_data(as_text=True)
    assert "胶囊剂有关物质检测" in page and "100%" in page and "no. 1 of the need’s matches" in page
    assert "土壤重金属检测" not in page


def test_dashboards_show_each_role_its_work(client, catalogue):
    login(client, "sme@example.com")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Our needs" in page and "胶囊剂有关物质检测" in page
    client.post("/logout")
    login(client, "lab@example.com")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Our listings" in page and "Leads" in page and "胶囊剂有关物质检测" in page

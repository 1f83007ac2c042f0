"""Domestic alternatives, sharing statistics, subsidy estimates and listing completeness."""
from datetime import date, datetime, timedelta

import pytest

from marketplace.services import bookings, deals, postings, sharing, vouchers
from marketplace.services.errors import Forbidden, ValidationFailed
from tests.factories import (
    index_all,
    instrument_record,
    login,
    need_record,
    one_line,
    platform_admin,
    register,
)

PRODUCT = {"kind": "product", "ref": "lc-100", "title": "国产高效液相色谱仪 LC-100", "description": "HPLC",
           "origin": "domestic", "replaces": ["Agilent 1260 Infinity II"], "specs": {"流速范围": "0.001-10 mL/min"},
           "price_min_cny": 150000, "price_max_cny": 260000}


def test_the_alternative_finder_puts_named_replacements_first_with_specs_side_by_side(app, client, session):
    vendor = register(session, email="v@example.com", organisation="国产仪器公司", kind="vendor")
    postings.create_posting(session, vendor, PRODUCT)
    postings.create_posting(session, vendor, {**PRODUCT, "ref": "gc", "title": "国产气相色谱仪 GC-9", "replaces": [],
                                              "description": "气相色谱", "specs": {"柱温": "室温+5-450 ℃"}})
    index_all(app)
    page = client.get("/alternatives?imported=Agilent 1260&specs=流速范围: 0.001-5 mL/min").get_data(as_text=True)
    assert page.index("LC-100") < page.index("0.001-5 mL/min") or "named replacement" in page
    assert "0.001-10 mL/min" in page and "0.001-5 mL/min" in page
    printable = client.get("/alternatives/comparison?imported=Agilent 1260").get_data(as_text=True)
    assert "Domestic alternatives comparison" in printable and "LC-100" in printable
    pdf = client.get("/alternatives/comparison.pdf?imported=Agilent 1260")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/alternatives?imported=" + "x" * 201).status_code == 422


def test_the_alternative_finder_offers_only_products_of_the_imported_instruments_class(app, client, session):
    lab = register(session)
    vendor = register(session, email="v@example.com", organisation="国产仪器公司", kind="vendor")
    postings.create_posting(session, lab, instrument_record())  # the Agilent 1260 a lab shares: a chromatograph
    postings.create_posting(session, vendor, {**PRODUCT, "ref": "lc-200", "title": "国产液相色谱仪 LC-200 (1260 级)",
                                              "replaces": [], "category": "分析仪器/色谱仪器"})
    postings.create_posting(session, vendor, {**PRODUCT, "ref": "uv-1260", "title": "国产紫外分光光度计 UV-1260",
                                              "replaces": [], "category": "分析仪器/光谱仪器", "description": "UV-Vis"})
    # Names the model as replaced, but a mass spectrometer.
    postings.create_posting(session, vendor, {**PRODUCT, "ref": "named-ms", "title": "国产质谱仪 MS-1",
                                              "category": "分析仪器/质谱仪器"})
    index_all(app)
    page = client.get("/alternatives?imported=Agilent 1260").get_data(as_text=True)
    assert "LC-200" in page and "UV-1260" not in page and "MS-1" not in page
    assert "Chromatographs" in page
    chosen = client.get("/alternatives", query_string={"imported": "Agilent 1260", "category": "分析仪器/光谱仪器"})
    assert "UV-1260" in chosen.get_data(as_text=True) and "LC-200" not in chosen.get_data(as_text=True)
    assert client.get("/alternatives?imported=Agilent 1260&category=火星").status_code == 422


def test_completed_bookings_and_orders_feed_the_yearly_sharing_report(app, client, session):
    lab = register(session)
    sme = register(session, email="sme@example.com", organisation="某药企", kind="enterprise")
    instrument = postings.create_posting(session, lab, instrument_record(
        fees=[{"item": "机时", "price_cny": 200, "unit": "hour"}]))
    start = datetime(2025, 3, 3, 9)  # a Monday of a past year: the order below counts in this year
    booking = bookings.request_booking(session, sme, instrument.id, start, start + timedelta(hours=3), sample_count=10,
                                       now=start - timedelta(days=7))
    bookings.decide_booking(session, lab, booking.id, approve=True)
    bookings.complete_booking(session, lab, booking.id, now=start + timedelta(hours=3))
    need = postings.create_posting(session, sme, need_record(owner=None))
    inquiry = deals.open_inquiry(session, sme, need.id, instrument.id, "报价？")
    order = deals.accept_quote(session, sme, deals.offer_quote(session, lab, inquiry.id, one_line(6000), 7).id)
    deals.complete_order(session, lab, order.id)
    today = date.today()
    sharing.record_manual_use(session, lab, instrument.id, start.date(), 2, 0, False, 0, "内部课题")
    row = sharing.sharing_report(session, lab, 2025).rows[0]
    assert (row.effective_hours, row.external_hours, row.services, row.samples) == (5, 3, 2, 10)
    assert row.income_cny == 600 and round(row.external_share, 2) == 0.6 and row.external_users == 1
    ordered = sharing.sharing_report(session, lab, today.year).rows[0]  # an order counts when it is completed
    assert (ordered.services, ordered.samples, ordered.income_cny, ordered.external_users) == (1, 200, 6000, 1)
    with pytest.raises(ValidationFailed):
        sharing.record_manual_use(session, lab, instrument.id, start.date(), -1, 0, True, 0)
    with pytest.raises(Forbidden):
        sharing.record_manual_use(session, sme, instrument.id, start.date(), 1, 0, True, 0)


def test_subsidies_give_smes_a_net_price_with_a_cap(session):
    lab = register(session)
    sme = register(session, email="sme@example.com", organisation="某药企", kind="enterprise", region="湖北省/武汉市")
    vendor = register(session, email="v@example.com", organisation="厂商", kind="vendor")
    instrument = postings.create_posting(session, lab, instrument_record())
    admin = platform_admin(session)
    vouchers.create_policy(session, admin, "湖北省创新券", 0.3, 5000, ["enterprise"], ["instrument"], "湖北省")
    policies = vouchers.active_policies(session)
    assert vouchers.net_price(policies, sme.organisation, instrument, 10000).net_cny == 7000
    assert vouchers.net_price(policies, sme.organisation, instrument, 100000).net_cny == 95000  # capped
    assert vouchers.net_price(policies, vendor.organisation, instrument, 10000).net_cny == 10000
    with pytest.raises(ValidationFailed):
        vouchers.create_policy(session, admin, "bad", 1.5, None, ["enterprise"], ["instrument"])
    with pytest.raises(Forbidden):
        vouchers.create_policy(session, lab, "not theirs to make", 0.5, None, ["enterprise"], ["instrument"])


def test_search_results_and_quotes_show_the_net_price_to_eligible_smes(app, client, session):
    lab = register(session)
    register(session, email="sme@example.com", organisation="某药企", kind="enterprise", region="湖北省/武汉市")
    postings.create_posting(session, lab, instrument_record())
    vouchers.create_policy(session, platform_admin(session), "创新券", 0.3, None, ["enterprise"], ["instrument"])
    index_all(app)
    login(client, "sme@example.com")
    page = client.get("/search?q=液相色谱").get_data(as_text=True)
    assert "after voucher" in page and "¥210" in page


def test_only_platform_admins_manage_subsidy_policies(client, session):
    register(session)
    login(client)
    assert client.get("/admin/subsidies").status_code == 403

"""The four stories of the marketplace in a real browser, each in Chinese and English at 1280 and 390 px:
an SME posts a need, gets matches, asks for a quote and books; a vendor lists a product and sees leads;
a university lists an instrument and sees its sharing statistics; a buyer compares domestic alternatives
and downloads the PDF. Every step is photographed and checked (conftest.Visitor.step)."""
from datetime import date, timedelta

import pytest

from marketplace.services import postings
from tests.factories import index_all, instrument_record, need_record, register, weekday_ahead

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


@pytest.fixture
def marketplace(app, session):
    """A university lab with two instruments and a transfer, a vendor with a domestic HPLC, an SME."""
    lab = register(session, email="lab@example.com", organisation="武汉大学分析测试中心", kind="university")
    vendor = register(session, email="vendor@example.com", organisation="上海某色谱仪器有限公司", kind="vendor")
    sme = register(session, email="sme@example.com", organisation="武汉康源药业有限公司", kind="enterprise")
    hplc = postings.create_posting(session, lab, instrument_record(
        fees=[{"item": "有关物质", "price_cny": 300, "unit": "sample"},
              {"item": "机时", "price_cny": 200, "unit": "hour"}]))
    postings.create_posting(session, lab, instrument_record(
        ref="sem", title="场发射扫描电镜 SEM", description="形貌观察", keywords=["SEM"], capabilities=["形貌"],
        standards=None, fees=None, category="分析仪器/电子光学仪器", model="Sigma 300", manufacturer="ZEISS"))
    postings.create_posting(session, vendor, {
        "kind": "product", "ref": "lc-3000", "title": "国产高效液相色谱仪 LC-3000",
        "description": "可替代 Agilent 1260，适用于药物杂质分析。", "origin": "domestic", "region": "上海市/上海市",
        "category": "分析仪器/色谱仪器", "replaces": ["Agilent 1260 Infinity II"],
        "specs": {"流速范围": "0.001-10 mL/min", "耐压": "60 MPa"}, "price_min_cny": 180000,
        "price_max_cny": 260000})
    postings.create_posting(session, lab, {
        "kind": "transfer", "ref": "column-tech", "title": "高效液相色谱手性色谱柱制备技术",
        "description": "色谱柱填料制备专利，可用于药物杂质分离。", "trl": 6, "transfer_modes": ["license"],
        "patents": ["ZL202110123456.7"], "region": "湖北省/武汉市"})
    index_all(app)
    return dict(hplc=hplc, sme=sme)


def test_an_sme_posts_a_need_gets_matches_asks_for_a_quote_and_books(app, visitors, marketplace):
    hplc = marketplace["hplc"]
    sme = visitors("sme")
    sme.sign_in("sme@example.com")
    sme.step("home")

    # 1. Post the need.
    sme.go("/needs/new")
    sme.page.fill("input[name=title]", "胶囊剂微量杂质检测 HPLC，200 个样品，两周内")
    sme.page.fill("textarea[name=description]",
                  "需要用液相色谱测定胶囊剂中的有关物质（微量杂质），共 200 个样品，两周内出具报告。")
    sme.page.select_option("select[name=region]", "湖北省/武汉市")
    sme.page.fill("input[name=sample_type]", "胶囊")
    sme.page.fill("input[name=sample_count]", "200")
    sme.page.fill("input[name=deadline]", (date.today() + timedelta(days=14)).isoformat())
    sme.page.fill("input[name=budget_cny]", "80000")
    sme.step("need-form")
    sme.page.click("#posting-form button[type=submit]")
    sme.page.get_by_text(sme.t("Saved.")).wait_for()
    sme.step("need-saved")
    index_all(app)

    # 2. Ranked matches across the three listing kinds, with reasons.
    sme.page.get_by_role("button", name=sme.t("Matches"), exact=True).click()  # a link drawn as a button
    sme.page.wait_for_selector("article.match")
    titles = sme.page.locator("article.match h2").all_inner_texts()
    assert titles[0].startswith("高效液相色谱仪")
    assert any("LC-3000" in t for t in titles) and any("色谱柱" in t for t in titles)
    assert not any("扫描电镜" in t for t in titles[:3])
    assert sme.t("same city") in sme.page.locator("article.match").first.inner_text()
    sme.step("matches")

    # 3. Ask the university lab for a quote.
    first = sme.page.locator("article.match").first
    first.locator("summary").click()
    first.locator("button[type=submit]").click()
    sme.page.wait_for_selector(".messages .message")
    thread = sme.page.url.removeprefix(sme.base)
    sme.step("inquiry-sent")

    # 4. The lab quotes.
    lab = visitors("lab")
    lab.sign_in("lab@example.com")
    lab.go(thread)
    lab.page.locator("summary", has_text=lab.t("Make a quote")).click()
    # The itemised form starts from the published fees: the per-sample fee x the need's 200 samples.
    assert lab.page.input_value("input[name=lines-0-quantity]") == "200"
    for name in ("item", "quantity", "unit_price_cny"):  # drop the machine-time line: an empty line is ignored
        lab.page.fill(f"input[name=lines-1-{name}]", "")
    lab.page.fill("input[name=turnaround_days]", "10")
    lab.page.fill("input[name=valid_until]", (date.today() + timedelta(days=30)).isoformat())
    lab.page.fill("textarea[name=conditions]", "含 CMA 报告")
    lab.page.get_by_role("button", name=lab.t("Send quote"), exact=True).click()
    lab.page.wait_for_selector(".quote-offered")
    lab.step("quote-offered")

    # 5. The SME accepts.
    sme.go(thread)
    assert "¥60,000" in sme.page.locator(".quote-offered").inner_text()
    sme.page.get_by_role("button", name=sme.t("Accept…"), exact=True).click()  # a link drawn as a button
    sme.step("quote-confirm")
    sme.page.get_by_role("button", name=sme.t("Accept and place the order"), exact=True).click()
    sme.page.wait_for_selector(".quote-accepted")
    sme.step("quote-accepted")

    # 6. Book instrument time on a weekday; the lab approves it in the calendar.
    start = weekday_ahead(3)
    sme.go(f"/instruments/{hplc.id}")
    sme.step("instrument")
    sme.go(f"/instruments/{hplc.id}/calendar")
    sme.page.fill("input[name=start_at]", f"{start.isoformat()}T09:00")
    sme.page.fill("input[name=end_at]", f"{start.isoformat()}T12:00")
    sme.page.fill("input[name=sample_count]", "200")
    sme.page.get_by_role("button", name=sme.t("Continue"), exact=True).click()
    assert "¥600" in sme.page.locator(".confirmation").inner_text()  # 3 hours of machine time at ¥200
    sme.step("booking-confirm")
    sme.page.get_by_role("button", name=sme.t("Send request"), exact=True).click()
    sme.page.wait_for_selector(".booking-requested")
    sme.step("booking-requested")
    lab.go(f"/instruments/{hplc.id}/calendar?week={start.isoformat()}")
    lab.page.get_by_role("button", name=lab.t("Approve"), exact=True).click()
    lab.page.wait_for_selector(".booking-approved")
    assert lab.t("%(hours).1f h booked", hours=3) in lab.page.locator(".week").inner_text()
    lab.step("booking-approved")

    # 7. The lab completes the order; the SME reviews it and the listing shows the rating.
    lab.go(thread)
    lab.page.get_by_role("button", name=lab.t("Mark completed"), exact=True).click()
    lab.page.get_by_role("button", name=lab.t("Mark completed"), exact=True).wait_for(state="detached")
    sme.go(thread)
    sme.page.select_option("select[name=rating]", "5")
    sme.page.fill("textarea[name=comment]", "数据可靠，出报告快。")
    sme.page.get_by_role("button", name=sme.t("Submit review"), exact=True).click()
    sme.page.get_by_text(sme.t("Reviewed: %(stars)s", stars="★★★★★")).wait_for()
    sme.go(f"/instruments/{hplc.id}")
    assert "5.0 / 5" in sme.page.locator("p.rating").inner_text()
    sme.step("listing-reviewed")
    sme.go("/dashboard")
    sme.step("dashboard")


def test_a_vendor_lists_a_product_and_sees_leads(app, session, visitors, marketplace):
    postings.create_posting(session, marketplace["sme"], need_record(
        title="采购前比选国产液相色谱仪，用于胶囊剂杂质检测",
        description="想了解可替代 Agilent 1260 的国产液相色谱仪。",
        deadline=(date.today() + timedelta(days=30)).isoformat()))
    vendor = visitors("vendor")
    vendor.sign_in("vendor@example.com")
    if vendor.page.viewport_size["width"] < 600:  # on a phone the navigation is behind the menu
        vendor.page.locator("details.nav-menu summary").click()
        vendor.step("menu")
        vendor.page.locator("details.nav-menu").get_by_role(
            "link", name=vendor.t("Post: %(kind)s", kind=vendor.t("Domestic product"))).click()
    else:
        vendor.go("/products/new")

    # 1. List a product.
    vendor.page.fill("input[name=title]", "国产液相色谱仪 LC-5000 四元泵")
    vendor.page.fill("textarea[name=description]", "四元梯度泵，适用于药物有关物质分析，可替代进口液相色谱。")
    vendor.page.select_option("select[name=region]", "上海市/上海市")
    vendor.page.fill("textarea[name=specs_text]", "流速范围: 0.001-10 mL/min\n耐压: 66 MPa")
    vendor.page.fill("input[name=price_min_cny]", "200000")
    vendor.page.fill("input[name=price_max_cny]", "300000")
    vendor.page.fill("textarea[name=replaces]", "Agilent 1260 Infinity II")
    vendor.step("product-form")
    vendor.page.click("#posting-form button[type=submit]")
    vendor.page.get_by_text(vendor.t("Saved.")).wait_for()
    vendor.step("product")
    index_all(app)

    # 2. The SME's need shows up among the vendor's leads.
    vendor.go("/leads")
    assert "采购前比选国产液相色谱仪" in vendor.page.locator("main").inner_text()
    vendor.step("leads")
    vendor.go("/dashboard")
    vendor.step("dashboard")


def test_a_university_lists_an_instrument_and_sees_its_sharing_statistics(app, visitors, marketplace):
    lab = visitors("lab")
    lab.sign_in("lab@example.com")

    # 1. List an instrument, fees typed with Chinese units.
    lab.go("/instruments/new")
    lab.page.fill("input[name=title]", "电感耦合等离子体质谱仪 ICP-MS")
    lab.page.fill("textarea[name=description]", "可测定药品、食品中的元素杂质。")
    lab.page.select_option("select[name=region]", "湖北省/武汉市")
    lab.page.fill("textarea[name=fees_text]", "元素杂质 | 400 | 样品\n机时 | 600 | 小时")
    lab.page.fill("input[name=original_value_cny]", "2800000")
    lab.step("instrument-form")
    lab.page.click("#posting-form button[type=submit]")
    lab.page.get_by_text(lab.t("Saved.")).wait_for()
    main = lab.page.locator("main").inner_text()
    assert "¥400" in main and "¥600" in main, main
    lab.step("instrument")

    # 2. Record a day of external use and read the year's report.
    lab.go("/sharing")
    lab.page.select_option("select[name=instrument_id]", label="电感耦合等离子体质谱仪 ICP-MS")
    lab.page.fill("input[name=used_on]", date.today().isoformat())
    lab.page.fill("input[name=hours]", "6")
    lab.page.fill("input[name=samples]", "24")
    lab.page.check("input[name=external]")
    lab.page.fill("input[name=income_cny]", "9600")
    lab.page.get_by_role("button", name=lab.t("Record"), exact=True).click()
    row = lab.page.locator("tr", has_text="ICP-MS")
    row.wait_for()
    assert "6.0" in row.inner_text() and "100%" in row.inner_text()
    lab.step("sharing-report")
    with lab.page.expect_download() as download:
        lab.page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")


def test_a_buyer_compares_domestic_alternatives_and_downloads_the_pdf(visitors, marketplace):
    buyer = visitors("buyer")
    buyer.go("/")
    buyer.step("home")
    buyer.page.fill("input[name=q]", "液相色谱")
    buyer.page.keyboard.press("Enter")
    buyer.page.wait_for_selector("article.result")
    buyer.step("search")
    buyer.page.get_by_role("link", name="高效液相色谱手性色谱柱制备技术").click()
    buyer.page.wait_for_selector("h1")
    assert "ZL202110123456.7" in buyer.page.locator("main").inner_text()
    buyer.step("transfer")
    buyer.go("/alternatives")
    buyer.page.fill("input[name=imported]", "Agilent 1260 Infinity II")
    buyer.page.fill("textarea[name=specs]", "流速范围: 0.001-5 mL/min\n耐压: 60 MPa")
    buyer.page.get_by_role("button", name=buyer.t("Find alternatives"), exact=True).click()
    buyer.page.wait_for_selector("table")
    assert "LC-3000" in buyer.page.locator("table").first.inner_text()
    buyer.step("comparison")
    buyer.page.get_by_role("link", name="LC-3000").first.click()
    buyer.page.wait_for_selector("h1")
    buyer.step("product")
    buyer.page.go_back()
    with buyer.page.expect_download() as download:
        buyer.page.get_by_role("button", name=buyer.t("Download PDF")).click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

"""The story of issue 5 in a real browser: an SME in Wuhan needs trace impurities in a capsule drug
measured, posts the need, sees ranked matches, contacts a university lab, gets and accepts a quote,
books instrument time, and reviews the service afterwards. A screenshot is saved at every step."""
from datetime import date, timedelta

import pytest

from marketplace.services import postings
from tests.factories import PASSWORD, index_all, instrument_record, register, weekday_ahead

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


@pytest.fixture
def marketplace(app, session):
    lab = register(session, email="lab@example.com", organisation="武汉大学分析测试中心", kind="university")
    vendor = register(session, email="vendor@example.com", organisation="上海某色谱仪器有限公司", kind="vendor")
    register(session, email="sme@example.com", organisation="武汉康源药业有限公司", kind="enterprise")
    hplc = postings.create_posting(session, lab, instrument_record(
        fees=[{"item": "有关物质", "price_cny": 300, "unit": "sample"},
              {"item": "机时", "price_cny": 200, "unit": "hour"}]))
    postings.create_posting(session, lab, instrument_record(
        ref="sem", title="场发射扫描电镜 SEM", description="形貌观察", keywords=["SEM"], capabilities=["形貌"],
        standards=None, fees=None, category="分析仪器/电子光学仪器", model="Sigma 300", manufacturer="ZEISS"))
    postings.create_posting(session, vendor, {
        "kind": "product", "ref": "lc-3000", "title": "国产高效液相色谱仪 LC-3000",
        "description": "可替代 Agilent 1260，适用于药物杂质分析。", "origin": "domestic", "region": "上海市/上海市",
        "replaces": ["Agilent 1260 Infinity II"], "price_min_cny": 180000, "price_max_cny": 260000})
    postings.create_posting(session, lab, {
        "kind": "transfer", "ref": "column-tech", "title": "高效液相色谱手性色谱柱制备技术",
        "description": "色谱柱填料制备专利，可用于药物杂质分离。", "trl": 6, "transfer_modes": ["license"],
        "patents": ["ZL202110123456.7"], "region": "湖北省/武汉市"})
    index_all(app)
    return hplc


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")


def watch_for_policy_violations(page, violations: list[str]):
    """The Content Security Policy blocks anything inline or foreign; the browser reports it on the console."""
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    return page


def test_an_sme_goes_from_a_need_to_a_reviewed_service(app, live_server, browser, marketplace, screenshot):
    base, hplc = live_server, marketplace
    violations: list[str] = []
    sme = watch_for_policy_violations(browser.new_context(locale="en-US").new_page(), violations)
    sign_in(sme, base, "sme@example.com")

    # 1. Post the need.
    sme.goto(f"{base}/needs/new")
    sme.fill("input[name=title]", "胶囊剂微量杂质检测 HPLC，200 个样品，两周内")
    sme.fill("textarea[name=description]",
             "需要用液相色谱测定胶囊剂中的有关物质（微量杂质），共 200 个样品，两周内出具报告。")
    sme.select_option("select[name=region]", "湖北省/武汉市")
    sme.fill("input[name=sample_type]", "胶囊")
    sme.fill("input[name=sample_count]", "200")
    sme.fill("input[name=deadline]", (date.today() + timedelta(days=14)).isoformat())
    sme.fill("input[name=budget_cny]", "80000")
    screenshot(sme, "need-form")
    sme.click("#posting-form button[type=submit]")
    sme.wait_for_selector("text=Saved.")
    index_all(app)

    # 2. Ranked matches across the three listing kinds, with reasons.
    sme.click("a:has-text('Matches')")
    sme.wait_for_selector("article.match")
    titles = sme.locator("article.match h4").all_inner_texts()
    assert titles[0].startswith("高效液相色谱仪")
    assert any("LC-3000" in t for t in titles) and any("色谱柱" in t for t in titles)
    assert not any("扫描电镜" in t for t in titles[:3])
    assert "same city" in sme.locator("article.match").first.inner_text()
    screenshot(sme, "matches")

    # 3. Contact the university lab.
    first = sme.locator("article.match").first
    first.locator("summary").click()
    first.locator("button[type=submit]").click()
    sme.wait_for_selector("text=Could you take it on and quote?")
    thread_url = sme.url
    screenshot(sme, "inquiry-sent")

    # 4. The lab quotes.
    lab = watch_for_policy_violations(browser.new_context(locale="en-US").new_page(), violations)
    sign_in(lab, base, "lab@example.com")
    lab.goto(thread_url)
    lab.click("summary:has-text('Make a quote')")
    assert lab.input_value("input[name=lines-0-quantity]") == "200"  # the published per-sample fee x 200 samples
    for name in ("item", "quantity", "unit_price_cny"):  # drop the machine-time line: an empty line is ignored
        lab.fill(f"input[name=lines-1-{name}]", "")
    lab.fill("input[name=turnaround_days]", "10")
    lab.fill("textarea[name=conditions]", "含 CMA 报告")
    lab.click("button:has-text('Send quote')")
    lab.wait_for_selector(".quote-offered")
    screenshot(lab, "quote-offered")

    # 5. The SME accepts.
    sme.goto(thread_url)
    assert "¥60,000" in sme.locator(".quote-offered").inner_text()
    sme.click("a:has-text('Accept')")
    sme.click("button:has-text('Accept and place the order')")  # the confirmation step
    sme.wait_for_selector(".quote-accepted")
    screenshot(sme, "quote-accepted")

    # 6. Book instrument time; the lab approves it in the calendar.
    start = weekday_ahead(3)
    sme.goto(f"{base}/instruments/{hplc.id}/calendar")
    sme.fill("input[name=start_at]", f"{start.isoformat()}T09:00")
    sme.fill("input[name=end_at]", f"{start.isoformat()}T12:00")
    sme.fill("input[name=sample_count]", "200")
    sme.click("button:has-text('Continue')")
    assert "¥600" in sme.locator(".confirmation").inner_text()  # 3 hours of machine time at ¥200
    sme.click("button:has-text('Send request')")
    sme.wait_for_selector(".booking-requested")
    screenshot(sme, "booking-requested")
    lab.goto(f"{base}/instruments/{hplc.id}/calendar?week={start.isoformat()}")
    lab.click("button:has-text('Approve')")
    lab.wait_for_selector(".booking-approved")
    assert "3.0 h booked" in lab.locator(".week").inner_text()
    screenshot(lab, "booking-approved")

    # 7. The lab completes the order; the SME reviews it and the listing shows the rating.
    lab.goto(thread_url)
    lab.click("button:has-text('Mark completed')")
    lab.wait_for_selector("text=completed")
    sme.goto(thread_url)
    sme.select_option("select[name=rating]", "5")
    sme.fill("textarea[name=comment]", "数据可靠，出报告快。")
    sme.click("button:has-text('Submit review')")
    sme.wait_for_selector("text=Reviewed")
    sme.goto(f"{base}/instruments/{hplc.id}")
    assert "5.0 / 5" in sme.locator("p.rating").inner_text()
    screenshot(sme, "listing-reviewed")
    assert violations == []

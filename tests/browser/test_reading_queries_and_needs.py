"""What search and need posting read from free text, in a real browser, in both languages at desktop and
phone widths: chips that can be removed, the "no good match" suggestions, a need form filled in from
its description, and the alternatives finder's class. A screenshot is saved at every step."""
import pytest
from playwright.sync_api import expect

from marketplace.services import postings
from tests.browser.test_sme_story import sign_in, watch_for_policy_violations
from tests.factories import index_all, instrument_record, register

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
VIEWS = [("zh-CN", "zh", 1280), ("zh-CN", "zh", 390), ("en-US", "en", 1280), ("en-US", "en", 390)]


@pytest.fixture
def marketplace(app, session):
    lab = register(session, email="lab@example.com", organisation="武汉大学分析测试中心", kind="university")
    vendor = register(session, email="vendor@example.com", organisation="上海某色谱仪器有限公司", kind="vendor")
    register(session, email="sme@example.com", organisation="武汉康源药业有限公司", kind="enterprise")
    postings.create_posting(session, lab, instrument_record())
    postings.create_posting(session, vendor, {
        "kind": "product", "ref": "lc-3000", "title": "国产高效液相色谱仪 LC-3000", "category": "分析仪器/色谱仪器",
        "description": "可替代 Agilent 1260，适用于药物杂质分析。", "origin": "domestic", "region": "上海市/上海市",
        "replaces": ["Agilent 1260 Infinity II"], "price_min_cny": 180000, "price_max_cny": 260000})
    index_all(app)


@pytest.mark.parametrize("locale, language, width", VIEWS)
def test_search_chips_no_match_need_form_and_alternatives_read_well(live_server, browser, marketplace, screenshot,
                                                                     locale, language, width):
    base, violations = live_server, []
    page = watch_for_policy_violations(
        browser.new_context(locale=locale, viewport={"width": width, "height": 900}).new_page(), violations)
    view = f"{language}-{width}"

    def fits():  # the content is no wider than the viewport (wide tables scroll in their box; the site
        # navigation's phone layout is issue 19's)
        assert page.evaluate("document.querySelector('main').scrollWidth") <= width

    page.goto(f"{base}/search?q=胶囊有关物质 HPLC 送样检测 武汉 CMA 200个样品")
    chips = page.locator(".chip")
    shown = chips.count()
    assert shown >= 4
    assert page.locator("article.result h4").first.inner_text().startswith("高效液相色谱仪")  # shared instrument first
    fits()
    screenshot(page, f"search-chips-{view}")
    page.locator(".chip", has_text="CMA").locator(".chip-remove").click()
    expect(chips).to_have_count(shown - 1)  # htmx swapped the results without it
    expect(page.locator(".chip", has_text="CMA")).to_have_count(0)
    screenshot(page, f"search-chip-removed-{view}")

    page.goto(f"{base}/search?q=扫描电镜&region=北京市")
    assert page.locator(".no-match").is_visible()
    fits()
    screenshot(page, f"search-no-good-match-{view}")

    sign_in(page, base, "sme@example.com")
    page.goto(f"{base}/needs/new")
    page.fill("input[name=title]", "胶囊有关物质检测")
    page.fill("textarea[name=description]", "需要 CMA 报告：200 个胶囊样品的有关物质检测（HPLC），武汉，预算 3 万元")
    page.click("button.read-description")
    page.wait_for_selector("input[name=reviewed]", state="attached")
    assert page.input_value("select[name=region]") == "湖北省/武汉市"
    assert page.input_value("input[name=sample_count]") == "200"
    fits()
    screenshot(page, f"need-form-read-{view}")

    page.goto(f"{base}/alternatives?imported=Agilent 1260")
    assert "LC-3000" in page.inner_text("main")
    fits()
    screenshot(page, f"alternatives-{view}")
    assert violations == []

"""/api/docs in a real browser, offline: the vendored Swagger UI renders every operation of the generated
document and asks nothing of any other host."""
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


def test_the_api_documentation_renders_offline_from_the_generated_document(client, live_server, browser,
                                                                            screenshot):
    document = client.get("/api/v1/openapi.json").get_json()
    page = browser.new_page()
    elsewhere = []
    page.on("request", lambda request: None if request.url.startswith((live_server, "data:"))
            else elsewhere.append(request.url))
    errors = []  # script errors, and anything a Content-Security-Policy refused
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server}/api/docs")
    page.wait_for_selector(".opblock-summary-path")
    shown = {path.replace("\u200b", "") for path in page.locator(".opblock-summary-path").all_inner_texts()}
    assert shown == set(document["paths"])
    assert {"Shared instruments", "Test needs", "Inquiries and quotes", "Feed"} <= set(page.locator("h3")
                                                                                     .all_inner_texts())
    screenshot(page, "api-docs")
    assert elsewhere == [] and errors == []

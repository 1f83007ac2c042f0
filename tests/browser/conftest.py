"""A live server and headless Debian Chromium driven by Playwright, for the pages that matter.

Each story runs in both interface languages at a desktop and a phone width. Every step is photographed
(test-artifacts/e2e/<story>/<language>-<width>/), checked by axe-core for serious or critical accessibility
violations, and checked for a page wider than the viewport."""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from marketplace.messages import catalogue
from tests import servers
from tests.factories import PASSWORD

SCREENSHOTS = Path(os.environ.get("MARKETPLACE_SCREENSHOTS",
                                  Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"))
# Flags that keep Chromium quiet on a machine without internet (no background fetches, no sandbox as root).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# npm's axe-core, vendored (tests/browser/vendor, MPL-2.0): injected into every page before its own scripts.
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
LOCALES = {"zh": "zh-CN", "en": "en-US"}
WIDTHS = (1280, 390)
SERIOUS_VIOLATIONS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
}"""
# What sticks out past the viewport's right edge, named so a failure says where to look.
WIDER_THAN_VIEWPORT = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > width + 1)
    .slice(0, 8).map(e => `${e.tagName.toLowerCase()}.${e.className} ` +
                          `(${Math.round(e.getBoundingClientRect().right)} px)`);
}"""


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    executable = servers.chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(params=[pytest.param((language, width), id=f"{language}-{width}")
                        for language in LOCALES for width in WIDTHS])
def view(request) -> tuple[str, int]:
    return request.param


class Visitor:
    """One person's tab, in the story's language and width. `step` photographs the page and checks it."""

    def __init__(self, page, base: str, language: str, shots: Path, taken: list[Path], who: str) -> None:
        self.page, self.base, self.language, self.shots, self.taken, self.who = page, base, language, shots, taken, who
        self.policy_violations: list[str] = []
        # The Content Security Policy blocks anything inline or foreign; the browser reports it on the console.
        page.on("console", lambda message: "Content Security Policy" in message.text
                and self.policy_violations.append(message.text))

    def t(self, message: str, **values) -> str:
        """An interface message as this visitor reads it."""
        text = catalogue(self.language).gettext(message)
        return text % values if values else text

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def sign_in(self, email: str) -> None:
        self.go("/login")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("form button[type=submit]")
        self.page.wait_for_url(f"{self.base}/")

    def step(self, name: str) -> Path:
        """A screenshot, then the checks: no serious accessibility violation, nothing wider than the screen."""
        path = self.shots / f"{len(self.taken) + 1:02d}-{self.who}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        assert self.page.evaluate(SERIOUS_VIOLATIONS) == [], f"{name}: {self.page.url}"
        assert self.page.evaluate(WIDER_THAN_VIEWPORT) == [], f"{name}: {self.page.url}"
        return path


@pytest.fixture
def visitors(request, browser, live_server, view):
    """visitors(who) opens a new tab for one person of the story; afterwards no page broke the CSP."""
    language, width = view
    story = re.sub(r"^test_", "", request.node.originalname)
    shots = SCREENSHOTS / story / f"{language}-{width}"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    taken: list[Path] = []
    opened: list[Visitor] = []

    def visitor(who: str) -> Visitor:
        context = browser.new_context(locale=LOCALES[language], viewport={"width": width, "height": 900},
                                      accept_downloads=True)
        context.add_init_script(path=str(AXE))
        opened.append(Visitor(context.new_page(), live_server, language, shots, taken, who))
        return opened[-1]
    yield visitor
    for each in opened:
        each.page.context.close()
    assert [v for each in opened for v in each.policy_violations] == []

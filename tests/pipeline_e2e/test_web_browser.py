"""The web app in a real browser: Debian's Chromium driven by Playwright, offline.

Every page is opened and screenshotted (artefacts under pytest's tmp folder, or
ENGAGE_WEB_SCREENSHOTS); every request the pages make is recorded and must go to the
server's own origin.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from engage import bootstrap
from engage.qa.queue import review_queue

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PAGES = [
    ("/", "Overview"),
    ("/app/customers", "Customers"),
    ("/app/ask", "Ask about the results"),
    ("/app/review", "Review queue"),
    ("/app/fairness", "Fairness"),
    ("/app/quality", "Drift and data quality"),
    ("/app/models", "Models"),
    ("/app/runs", "Runs"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = os.environ.get("ENGAGE_WEB_SCREENSHOTS")
    path = Path(out) if out else tmp_path_factory.mktemp("web-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Visit:
    """A browser context signed in with one key, recording every request it makes."""

    def __init__(self, browser, web, key: str, width: int = 1280) -> None:
        self.web, self.requests = web, []
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.goto(f"{web.url}/app/login")
        self.page.get_by_label("API key").fill(key)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(f"{web.url}/")

    def go(self, path: str):
        return self.page.goto(self.web.url + path)

    def close(self) -> None:
        foreign = [u for u in self.requests if not u.startswith(self.web.url + "/")]
        self.context.close()
        assert not foreign, f"requests left the origin: {foreign}"


@pytest.fixture
def admin(browser, web) -> Iterator[Visit]:
    visit = Visit(browser, web, web.admin_key)
    yield visit
    visit.close()


@pytest.mark.parametrize("width", [1280, 800])
def test_every_page_renders_at_both_widths(browser, web, shots: Path, width: int) -> None:
    visit = Visit(browser, web, web.admin_key, width)
    for path, heading in PAGES:
        response = visit.go(path)
        assert response.status == 200, path
        assert visit.page.get_by_role("heading", level=1).first.inner_text() == heading
        assert visit.page.locator("a[href^='/app/download/']").count() >= 2 or path == "/app/ask"
        overflow = visit.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways at {width}px"
        name = path.strip("/").replace("/", "_") or "overview"
        visit.page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    gantt = visit.go("/") and visit.page.locator("svg.chart rect[data-value]")
    assert gantt.count() >= 5  # one bar per top-level stage
    visit.close()


def test_filter_customers_and_open_one_with_its_shap_chart(admin: Visit, web, baseline) -> None:
    page = admin.page
    admin.go("/app/customers")
    everyone = int(page.locator("#total").get_attribute("data-total"))
    page.get_by_label("Churn risk").select_option("intervention")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**risk=intervention**")
    expected = baseline.query(
        "SELECT count(*) AS n FROM engagement_analytics.final_results WHERE intervention_flag"
    ).to_pylist()[0]["n"]
    assert int(page.locator("#total").get_attribute("data-total")) == expected < everyone
    first = page.locator("#customers tbody a").first
    customer = first.inner_text()
    first.click()
    page.wait_for_url(f"**/app/customers/{customer}")
    bars = page.locator("#shap-churn svg rect[data-value]")
    assert bars.count() >= 1
    stored = baseline.query(
        f"SELECT churn_top_features AS f FROM engagement_predictions.predictions "
        f"WHERE customer_id = '{customer}'"
    ).to_pylist()[0]["f"]
    shown = [float(bars.nth(i).get_attribute("data-value")) for i in range(bars.count())]
    assert shown == pytest.approx([s["impact"] for s in stored], abs=1e-5)
    page.locator("#hints table, #hints p:not(.status)").first.wait_for(timeout=30_000)
    page.locator("#audit table, #audit p:not(.status)").first.wait_for(timeout=30_000)
    assert page.locator("#audit-table tbody tr").count() >= 5  # one batch entry per model


def test_ask_two_questions_with_a_follow_up(admin: Visit) -> None:
    page = admin.page
    admin.go("/app/ask")
    for n, question in enumerate(
        ["What is the churn rate by account type?", "and for premium users?"], start=1
    ):
        page.get_by_label("Your question").fill(question)
        page.get_by_role("button", name="Ask").click()
        page.locator(".turn.done").nth(n - 1).wait_for(timeout=60_000)
    turns = page.locator(".turn.done")
    assert turns.count() == 2
    assert "premium" in turns.nth(1).inner_text().lower()
    assert turns.nth(0).locator("summary", has_text="SQL").count() == 1
    assert turns.nth(0).locator(".citations li").count() >= 1


def test_approve_a_review_item_and_it_persists(admin: Visit, web) -> None:
    page = admin.page
    admin.go("/app/review?status=pending")
    row = page.locator("#queue tbody tr[data-customer]").first
    customer = row.get_attribute("data-customer")
    row.get_by_label("Decision").select_option("approved")
    row.get_by_label("Note").fill("checked in the browser test")
    row.get_by_role("button", name="Record").click()
    page.wait_for_url("**done=**")
    assert f"Decision recorded for {customer}" in page.locator(".message").inner_text()
    store, catalog = bootstrap.object_store(web.settings), bootstrap.catalog(web.settings)
    approved = review_queue(store, catalog, "approved")
    assert any(r["customer_id"] == customer and r["reviewer"].startswith("web:") for r in approved)


def test_reader_sees_no_admin_actions_and_the_server_refuses_them(browser, web) -> None:
    reader = Visit(browser, web, web.reader_key)
    assert reader.page.locator("nav a", has_text="Review queue").count() == 0
    assert reader.go("/app/review").status == 403
    token = reader.go("/") and reader.page.locator("input[name=csrf]").first.input_value()
    refused = reader.page.request.post(
        f"{web.url}/app/models/promote",
        form={"csrf": token, "model": "churn", "version": "v1", "note": "x", "confirm": "yes"},
    )
    assert refused.status == 403
    reader.close()


def test_keyboard_reaches_the_filters_and_the_skip_link(admin: Visit) -> None:
    page = admin.page
    admin.go("/app/customers")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") in {"q", "segment", "risk"}

"""The console in a real headless Chromium (Debian's package, driven by Playwright): sign in, search,
sort, open a lead and see its evidence highlighted, sign out; a bad key's message; the operator
view only for admin keys; no console errors and no serious axe-core violations on any page."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from app.core.config import Settings
from tests.console.conftest import PROMPT, Keys
from tests.support import free_port, served_process
from tools.browser import DESKTOP, PHONE, PageErrors, axe_violations, launch
from tools.ranker_world import World

ROOT = Path(__file__).resolve().parents[2]
# Set to a folder (e.g. docs/console) to also save the pages' screenshots there.
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOT_DIR", "")


@pytest.fixture(scope="module")
def server(
    console_world: World, keys: Keys, console_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The real app under uvicorn on loopback, on the console's database."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        {
            "DATABASE_URL": console_settings.database_url,
            "REDIS_URL": console_settings.redis_url,
            "KAFKA_BOOTSTRAP_SERVERS": "",
            "LLM_BASE_URL": "",
            "ENVIRONMENT": "test",
            "LOG_LEVEL": "WARNING",
            "CONSOLE_SAMPLE_INTERVAL_S": "0.5",
        }
    )
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning"]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("console") / "api.log"
    with served_process(
        cmd, ready_url=f"{base}/readyz", log_path=log_path, what="the API", timeout_s=120, cwd=ROOT, env=env
    ):
        yield base


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[Browser]:
    async with launch() as browser:
        yield browser


async def new_page(browser: Browser, errors: PageErrors, viewport: dict[str, int] = DESKTOP) -> Page:
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    return errors.watch(await context.new_page())


async def sign_in(page: Page, base: str, key: str) -> None:
    await page.goto(f"{base}/app/sign-in")
    await page.get_by_label("API key").fill(key)
    await page.get_by_role("button", name="Sign in").click()


async def assert_accessible(page: Page) -> None:
    violations = await axe_violations(page)
    assert violations == [], violations


async def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        folder = ROOT / SCREENSHOTS
        folder.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(folder / f"{name}.png"))


async def test_sign_in_search_open_a_lead_and_sign_out(server: str, chromium: Browser, keys: Keys) -> None:
    errors = PageErrors()
    errors.expect_status(401, "/app/sign-in")  # the bad key's answer
    page = await new_page(chromium, errors)

    await sign_in(page, server, "lp_notakey1_definitely-not-valid")
    await expect(page.get_by_role("alert")).to_contain_text("That API key was not recognised")
    await assert_accessible(page)

    await page.get_by_label("API key").fill(keys.search)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{server}/app/search")
    await expect(page.get_by_test_id("who")).to_have_text("ranker-test")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    assert await page.evaluate("document.cookie") == ""  # the key is not readable by scripts
    await assert_accessible(page)

    await page.get_by_role("button", name="Use this example").click()
    await expect(page.get_by_label("What do you sell?")).not_to_have_value("")
    await page.get_by_label("What do you sell?").fill(PROMPT)
    await page.get_by_label("Results (k)").fill("8")
    await page.get_by_role("button", name="Search", exact=True).click()
    rows = page.get_by_test_id("results").locator("tbody tr")
    await expect(rows).to_have_count(8)
    await assert_accessible(page)
    await shot(page, "search-desktop")

    # Sort by score from the keyboard (Enter twice: highest first, then lowest first).
    score = page.get_by_role("button", name="Score")
    await score.focus()
    await page.keyboard.press("Enter")
    await page.keyboard.press("Enter")
    header = page.locator("th", has=score)
    await expect(header).to_have_attribute("aria-sort", "descending")
    await score.click()
    await expect(header).to_have_attribute("aria-sort", "ascending")
    values = [float(v) for v in await rows.locator("td:nth-child(6)").all_inner_texts()]
    assert values == sorted(values)

    await page.get_by_role("button", name="Rank").click()
    first = rows.first.get_by_role("link")
    name = await first.inner_text()
    await first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)
    marks = page.locator("ul.evidence mark")
    assert await marks.count() > 0
    await expect(marks.first).to_be_visible()
    await expect(page.get_by_test_id("summary")).not_to_be_empty()
    await expect(page.get_by_text("used in ranking").first).to_be_visible()
    await assert_accessible(page)
    await shot(page, "lead-desktop")

    await page.get_by_role("link", name="Back to results").click()
    await expect(rows).to_have_count(8)
    await page.get_by_text("Filters:").click()
    await page.get_by_label("Countries").fill("US")
    await page.get_by_role("button", name="Search", exact=True).click()
    await expect(page.get_by_label("Countries")).to_have_value("US")
    countries = await rows.locator("td:nth-child(4)").all_inner_texts()
    assert countries
    assert set(countries) == {"US"}
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("status")).to_have_text("You are signed out.")
    await page.goto(f"{server}/app/search")
    await expect(page).to_have_url(f"{server}/app/sign-in?expired=1")
    assert errors.messages == []


async def test_phone_width(server: str, chromium: Browser, keys: Keys) -> None:
    errors = PageErrors()
    page = await new_page(chromium, errors, PHONE)
    await sign_in(page, server, keys.search)
    await page.get_by_label("What do you sell?").fill(PROMPT)
    await page.get_by_role("button", name="Search", exact=True).click()
    rows = page.get_by_test_id("results").locator("tbody tr")
    await expect(rows).to_have_count(10)
    # Nothing wider than the screen except inside the table's own scroll region.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    await assert_accessible(page)
    await page.get_by_role("heading", name="10 companies").scroll_into_view_if_needed()
    await shot(page, "search-phone")
    await rows.first.get_by_role("link").click()
    await expect(page.locator("ul.evidence mark").first).to_be_visible()
    wide = await page.evaluate(
        "() => Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > 391).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right))"
    )
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], wide
    await assert_accessible(page)
    await shot(page, "lead-phone")
    assert errors.messages == []


async def test_operator_view_is_for_admin_keys_only(server: str, chromium: Browser, keys: Keys) -> None:
    errors = PageErrors()
    errors.expect_status(403, "/app/operator")
    page = await new_page(chromium, errors)
    await sign_in(page, server, keys.search)
    await expect(page.get_by_role("link", name="Operator")).to_have_count(0)
    response = await page.goto(f"{server}/app/operator")
    assert response is not None
    assert response.status == 403
    await expect(page.get_by_role("alert")).to_contain_text("'admin' scope")
    await assert_accessible(page)
    await page.context.clear_cookies()

    await sign_in(page, server, keys.admin)
    await page.get_by_label("What do you sell?").fill(PROMPT)
    await page.get_by_role("button", name="Search", exact=True).click()
    await page.get_by_role("link", name="Operator").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Operator view")
    await expect(page.locator("svg[role=img]")).to_have_count(4)
    await assert_accessible(page)
    await shot(page, "operator-desktop")
    assert errors.messages == []

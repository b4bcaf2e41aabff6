"""The console in a real headless Chromium (Debian's package, driven by Playwright): sign in, search,
sort, open a lead and see its evidence highlighted, sign out; a bad key's message; the operator
view only for admin keys; no console errors and no serious axe-core violations on any page."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from app.core.config import Settings
from tests.console.conftest import PROMPT, Keys
from tests.lists.conftest import world_snippets
from tests.support import free_port, served_process
from tools.browser import DESKTOP, PHONE, PageErrors, axe_violations, launch
from tools.ranker_world import World

ROOT = Path(__file__).resolve().parents[2]
# Set to a folder (e.g. docs/console) to also save the pages' screenshots there.
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOT_DIR", "")


@pytest.fixture(scope="module")
def server_env(console_settings: Settings) -> dict[str, str]:
    """The environment of the app and of the job worker process: the console's database, no job
    worker in the API (a test starts one when it wants a campaign to run)."""
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
            "JOBS_WORKER_ENABLED": "false",
            "JOBS_SSE_POLL_S": "0.1",
            # Streams are closed every 2 s, so every live page here also reconnects with Last-Event-ID.
            "JOBS_SSE_MAX_STREAM_S": "2",
            "JOBS_POLL_INTERVAL_S": "0.1",
            "JOBS_CHUNK": "2",
        }
    )
    return env


@pytest.fixture(scope="module")
def server(
    console_world: World, keys: Keys, server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The real app under uvicorn on loopback, on the console's database."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning"]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("console") / "api.log"
    with served_process(
        cmd,
        ready_url=f"{base}/readyz",
        log_path=log_path,
        what="the API",
        timeout_s=120,
        cwd=ROOT,
        env=server_env,
    ):
        yield base


@contextmanager
def job_worker(env: dict[str, str], log_dir: Path) -> Iterator[None]:
    """`python -m app.jobs` (the job worker deployment) on the console's database, until the block ends."""
    port = free_port()
    with served_process(
        [sys.executable, "-m", "app.jobs"],
        ready_url=f"http://127.0.0.1:{port}/metrics",
        log_path=log_dir / "worker.log",
        what="the job worker",
        cwd=ROOT,
        env={**env, "JOBS_METRICS_PORT": str(port)},
    ):
        yield


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


def phone_fits(width: int) -> bool:
    return width <= PHONE["width"]


async def test_icp_create_edit_and_search_from_it(server: str, chromium: Browser, keys: Keys) -> None:
    errors = PageErrors()
    errors.expect_status(422, "/app/icps")  # the form sent back with its errors
    page = await new_page(chromium, errors)
    await sign_in(page, server, keys.acme)
    await expect(page.get_by_test_id("workspace")).to_have_text("acme")
    await page.get_by_role("link", name="ICPs").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ideal customer profiles")
    await page.get_by_role("link", name="New ICP").click()
    await page.get_by_label("Name", exact=True).fill("Cloud FinOps US")
    await page.get_by_label("What you sell").fill(PROMPT + " for engineering teams")
    await page.get_by_label("Countries").fill("United States")
    await page.get_by_role("button", name="Save ICP").click()
    countries = page.get_by_label("Countries")
    await expect(countries).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#countries-error")).to_contain_text("ISO 3166 alpha-2")
    await assert_accessible(page)
    await countries.fill("us")
    await page.get_by_role("button", name="Save ICP").click()
    await expect(page.get_by_role("status")).to_have_text("ICP saved.")
    await expect(page.get_by_test_id("icps").locator("tbody tr")).to_have_count(1)
    await assert_accessible(page)
    await shot(page, "icps-desktop")

    await page.get_by_role("link", name="Edit Cloud FinOps US").click()
    await expect(page.get_by_label("Countries")).to_have_value("US")
    await page.get_by_label("Employees to").fill("100000")
    await page.get_by_label("Draft threshold").fill("40")
    await assert_accessible(page)
    await page.evaluate("window.scrollTo(0, 0)")
    await shot(page, "icp-edit-desktop")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.get_by_role("status")).to_have_text("ICP updated.")
    await expect(page.get_by_test_id("icps")).to_contain_text("0–100,000 employees")

    await page.get_by_role("link", name="Search for Cloud FinOps US").click()
    await expect(page.get_by_test_id("icp-search")).to_contain_text("Cloud FinOps US")
    rows = page.get_by_test_id("results").locator("tbody tr")
    await expect(rows.first).to_be_visible()
    assert set(await rows.locator("td:nth-child(4)").all_inner_texts()) == {"US"}
    chosen = page.get_by_label("Or search for a saved ICP").locator("option:checked")
    await expect(chosen).to_have_text("Cloud FinOps US")
    await assert_accessible(page)
    assert errors.messages == []


async def test_cancel_a_campaign(server: str, chromium: Browser, keys: Keys) -> None:
    errors = PageErrors()
    page = await new_page(chromium, errors)
    await sign_in(page, server, keys.acme)
    await page.get_by_role("link", name="Campaigns").click()
    await page.get_by_label("What do you sell?").fill(PROMPT)
    await page.get_by_label("Leads", exact=True).fill("5")
    await page.get_by_role("button", name="Start campaign").click()
    await expect(page.get_by_test_id("state")).to_have_text("queued")  # no worker runs yet
    await expect(page.get_by_test_id("downloads")).to_be_hidden()
    await page.get_by_role("button", name="Cancel campaign").click()
    await expect(page.get_by_test_id("state")).to_have_text("cancelled")
    await expect(page.get_by_role("button", name="Cancel campaign")).to_be_hidden()
    await expect(page.get_by_test_id("downloads")).to_be_visible()
    assert errors.messages == []


# Records every value the progress bar takes and every text of the feed's status line (set before
# the page's own script runs).
WATCH_PROGRESS = """
window.__progress = [];
window.__status = [];
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.getElementById("progress");
  if (!bar) { return; }
  new MutationObserver((records) => records.forEach(() => window.__progress.push(bar.value)))
    .observe(bar, { attributes: true, attributeFilter: ["value", "max"] });
  const status = document.getElementById("feed-status");
  new MutationObserver(() => window.__status.push(status.textContent))
    .observe(status, { childList: true, characterData: true, subtree: true });
});
"""


async def test_a_campaign_fills_live(
    server: str,
    chromium: Browser,
    keys: Keys,
    server_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    errors = PageErrors()
    page = await new_page(chromium, errors)
    await page.add_init_script(WATCH_PROGRESS)
    await sign_in(page, server, keys.acme)
    await page.get_by_role("link", name="Campaigns").click()
    await page.get_by_label("What do you sell?").fill(PROMPT)
    await page.get_by_label("Leads", exact=True).fill("12")
    await page.get_by_label("Write outreach drafts").check()
    await page.get_by_role("button", name="Start campaign").click()
    await expect(page.get_by_test_id("state")).to_have_text("queued")
    await expect(page.get_by_role("status")).to_contain_text("Live")
    rows = page.get_by_test_id("leads").locator("tbody tr")
    await expect(rows).to_have_count(0)
    # A second campaign, from an ICP deleted before it runs: its page shows the failure.
    failing = await new_page(chromium, errors)
    await sign_in(failing, server, keys.acme)
    api, search = failing.context.request, {"Authorization": f"Bearer {keys.acme}"}
    made = await api.post(
        f"{server}/v1/icps", data={"name": "Gone soon", "product_description": PROMPT}, headers=search
    )
    icp_id = (await made.json())["id"]
    await failing.goto(f"{server}/app/campaigns?icp_id={icp_id}")
    await failing.get_by_role("button", name="Start campaign").click()
    await expect(failing.get_by_test_id("state")).to_have_text("queued")
    assert (await api.delete(f"{server}/v1/icps/{icp_id}", headers=search)).status == 204

    with job_worker(server_env, tmp_path_factory.mktemp("worker")):
        await expect(page.get_by_test_id("state")).to_have_text("succeeded", timeout=90_000)
        await expect(failing.get_by_test_id("state")).to_have_text("failed", timeout=90_000)
    await expect(failing.get_by_role("alert")).to_contain_text("The campaign failed: no ICP with this id")
    await expect(failing.get_by_test_id("downloads")).to_be_visible()
    await assert_accessible(failing)
    await expect(rows).to_have_count(12)
    assert [int(r) for r in await rows.locator("td:first-child").all_inner_texts()] == list(range(1, 13))
    await expect(page.get_by_test_id("progress-text")).to_have_text("12 of 12 leads")
    assert await page.evaluate("document.getElementById('progress').value") == 12
    seen = [float(v) for v in await page.evaluate("window.__progress")]
    assert any(0 < v < 12 for v in seen), seen  # the bar moved through the steps, not straight to the end
    await expect(page.get_by_role("button", name="Cancel campaign")).to_be_hidden()
    await expect(page.get_by_role("status")).to_have_text("Finished: succeeded.")
    # The server closed the stream (JOBS_SSE_MAX_STREAM_S) while the campaign waited for its worker:
    # the page reconnected with Last-Event-ID, and the table above has every lead once, in order.
    statuses = await page.evaluate("window.__status")
    assert "Connection lost: reconnecting…" in statuses, statuses
    assert statuses.index("Connection lost: reconnecting…") < len(statuses) - 1
    await assert_accessible(page)
    await shot(page, "campaign-desktop")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="CSV").click()
    download = await download_info.value
    sheet = await asyncio.to_thread(Path(await download.path()).read_text)
    assert sheet.count("\n") == 13  # the header and the 12 leads

    campaign_url = page.url
    await page.get_by_role("link", name="All campaigns").click()
    jobs = page.get_by_test_id("jobs")
    await expect(jobs.locator("tbody tr", has_text="succeeded")).to_have_count(1)
    await expect(jobs.locator("tbody tr", has_text="failed")).to_have_count(1)
    await assert_accessible(page)
    await shot(page, "campaigns-desktop")

    phone = await new_page(chromium, errors, PHONE)
    await sign_in(phone, server, keys.acme)
    await phone.goto(campaign_url)
    await expect(phone.get_by_test_id("leads").locator("tbody tr")).to_have_count(12)
    assert phone_fits(await phone.evaluate("document.documentElement.scrollWidth"))
    await assert_accessible(phone)
    await shot(phone, "campaign-phone")
    await phone.goto(f"{server}/app/icps")
    assert phone_fits(await phone.evaluate("document.documentElement.scrollWidth"))
    await assert_accessible(phone)
    await shot(phone, "icps-phone")
    assert errors.messages == []


async def test_grade_a_lead_and_draft_outreach(server: str, chromium: Browser, keys: Keys) -> None:
    errors = PageErrors()
    page = await new_page(chromium, errors)
    api = page.context.request
    ingest = {"Authorization": f"Bearer {keys.ingest}"}
    answer = await api.post(f"{server}/v1/snippets", data={"snippets": world_snippets()}, headers=ingest)
    assert answer.status == 202, await answer.text()
    search = {"Authorization": f"Bearer {keys.acme}"}
    icp = {
        "name": "Cold chain DE",
        "product_description": "Temperature sensors and cold chain monitoring for food distributors",
        "industries": ["Wholesale Trade"],
        "countries": ["DE"],
        "technologies": ["Snowflake"],
    }
    created = await api.post(f"{server}/v1/icps", data=icp, headers=search)
    assert created.status == 201, await created.text()
    icp_id = (await created.json())["id"]
    lead_id = None
    for _ in range(100):  # until the index has refreshed with the new company
        scored = await api.post(
            f"{server}/v1/leads/score", data={"icp_id": icp_id, "items": ["acme-foods.com"]}, headers=search
        )
        item = (await scored.json())["items"][0]
        if item.get("grade") is not None:
            lead_id = item["lead_id"]
            break
        await page.wait_for_timeout(200)
    assert lead_id is not None

    await sign_in(page, server, keys.acme)
    await page.goto(f"{server}/app/leads/{lead_id}")
    await page.get_by_label("Grade against the ICP").select_option(label="Cold chain DE")
    await page.get_by_label("Write an outreach draft").check()
    await page.get_by_label("Draft even below the ICP’s threshold").check()
    await page.get_by_role("button", name="Grade", exact=True).click()
    await expect(page.get_by_test_id("grade-value")).to_have_text(str(item["grade"]))
    await expect(page.get_by_test_id("band")).to_have_text(f"band {item['band']}")
    draft = page.get_by_test_id("draft")
    await expect(draft).to_be_visible()
    citation = draft.locator("a.cite").first
    await citation.click()
    target = (await citation.get_attribute("href") or "#")[1:]
    assert await page.evaluate("document.querySelector(':target')?.id") == target
    background = await page.locator(f"[id='{target}']").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # the cited snippet is highlighted
    await assert_accessible(page)
    await page.get_by_test_id("grade").scroll_into_view_if_needed()
    await shot(page, "lead-grade-desktop")
    assert errors.messages == []

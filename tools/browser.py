"""Headless Chromium from Debian's `chromium` package, driven by Playwright (never a downloaded
browser build), with axe-core from the `axe-playwright-python` wheel for accessibility checks.

`make browser-deps` installs the browser; the console's browser tests and
`python -m scripts.console_paint` both launch it through `launch()`.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, ConsoleMessage, Error, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SERIOUS = ("serious", "critical")


def chromium_path() -> Path:
    """The system Chromium; raises with the install command when it is missing."""
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    if found:
        return Path(found)
    raise FileNotFoundError(
        "no system Chromium: run `make browser-deps` (apt-get install chromium chromium-driver)"
    )


@asynccontextmanager
async def launch() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium_path()), args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class PageErrors:
    """Console errors and uncaught exceptions seen by a page (both must stay empty)."""

    messages: list[str] = field(default_factory=list)
    # (status, path) of page loads the test expects to fail: Chromium logs those as console errors.
    expected: set[tuple[int, str]] = field(default_factory=set)

    def watch(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        return page

    def expect_status(self, status: int, path: str) -> None:
        self.expected.add((status, path))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type not in ("error", "assert"):
            return
        url = str(message.location.get("url", ""))
        for status, path in self.expected:
            if f"status of {status} " in message.text and urlsplit(url).path == path:
                return
        self.messages.append(f"console {message.type}: {message.text} at {url}")

    def _page_error(self, error: Error) -> None:
        self.messages.append(f"uncaught: {error.message}")


async def axe_violations(page: Page, impacts: tuple[str, ...] = SERIOUS) -> list[dict[str, Any]]:
    """axe-core's violations of the page at the given impact levels (id, impact, help, targets)."""
    results = await Axe().run(page)
    out = []
    for violation in results.response.get("violations", []):
        if violation.get("impact") in impacts:
            out.append(
                {
                    "id": violation["id"],
                    "impact": violation["impact"],
                    "help": violation["help"],
                    "targets": [node["target"] for node in violation.get("nodes", [])][:5],
                }
            )
    return out


async def first_contentful_paint_ms(page: Page) -> float | None:
    value = await page.evaluate(
        "() => { const e = performance.getEntriesByName('first-contentful-paint')[0];"
        " return e ? e.startTime : null; }"
    )
    return float(value) if value is not None else None

"""First contentful paint and server time of the console's pages, in the system headless Chromium.

    python -m scripts.console_paint --url http://127.0.0.1:8000 --key KEY [--runs 20] [--prompt TEXT]

Signs in with KEY (scopes search, and admin for the operator view), then loads each page RUNS times
in a fresh tab (browser cache warm, as for a returning user; one cold load first) and prints, per
page, the median and P95 of first-contentful-paint and of the document's server time
(responseStart - requestStart) in milliseconds, as a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
from urllib.parse import urlencode

from app.observability.sla import percentile
from tools.browser import DESKTOP, first_contentful_paint_ms, launch

SERVER_MS = (
    "() => { const n = performance.getEntriesByType('navigation')[0];"
    " return n.responseStart - n.requestStart; }"
)


async def measure(url: str, key: str, runs: int, prompt: str) -> list[str]:
    async with launch() as browser:
        context = await browser.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
        page = await context.new_page()
        await page.goto(f"{url}/app/sign-in")
        await page.get_by_label("API key").fill(key)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_load_state()
        search = f"{url}/app/search?{urlencode({'prompt': prompt, 'k': 10})}"
        await page.goto(search)
        lead = await page.locator("table.results tbody a").first.get_attribute("href")
        pages = {
            "sign-in": f"{url}/app/sign-in",
            "search (10 results)": search,
            "lead": f"{url}{lead}",
            "ICPs": f"{url}/app/icps",
            "campaigns": f"{url}/app/campaigns",
        }
        await page.goto(pages["campaigns"])
        campaign = page.locator("table[data-testid=jobs] tbody a")
        if await campaign.count():
            pages["campaign (live view)"] = f"{url}{await campaign.first.get_attribute('href')}"
        if await page.get_by_role("link", name="Operator").count():
            pages["operator"] = f"{url}/app/operator"
        await page.close()
        rows = [
            "| page | FCP median ms | FCP P95 ms | server median ms | server P95 ms |",
            "|---|---|---|---|---|",
        ]
        for name, target in pages.items():
            paints: list[float] = []
            server: list[float] = []
            for run in range(runs + 1):
                tab = await context.new_page()
                await tab.goto(target)
                fcp = await first_contentful_paint_ms(tab)
                if run > 0 and fcp is not None:  # run 0 warms the browser cache
                    paints.append(fcp)
                    server.append(float(await tab.evaluate(SERVER_MS)))
                await tab.close()
            paints.sort()
            server.sort()
            rows.append(
                f"| {name} | {statistics.median(paints):.0f} | {percentile(paints, 95):.0f} "
                f"| {statistics.median(server):.1f} | {percentile(server, 95):.1f} |"
            )
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--prompt", default="cloud cost optimization software")
    args = parser.parse_args()
    if not re.match(r"^https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$", args.url):
        parser.error("--url must be a loopback address")
    for line in asyncio.run(measure(args.url.rstrip("/"), args.key, args.runs, args.prompt)):
        print(line)


if __name__ == "__main__":
    main()

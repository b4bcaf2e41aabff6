"""The lead page's grade against an ICP and its outreach draft, over ASGI: the same grade, band and
draft as `POST /v1/leads/score` and `/v1/leads/drafts` give, every citation tied to its evidence,
the workspace name in the header; errors and tenancy as the API's."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.console.conftest import PROMPT, Keys, csrf, sign_in
from tests.console.test_icps import create, icp_ids
from tests.workspaces.support import bearer

# The ICP the lists' tests grade Acme Foods against, as the form takes it.
COLD_CHAIN = {
    "name": "Cold chain DE",
    "product_description": "Temperature sensors and cold chain monitoring for food distributors and warehouses",
    "industries": "Wholesale Trade",
    "countries": "DE",
    "employees_min": "50",
    "employees_max": "5000",
    "technologies": "Snowflake",
    "exclusions": "",
}


async def first_lead(client: httpx.AsyncClient) -> str:
    page = await client.get(f"/app/search?prompt={PROMPT}&k=5")
    ids = re.findall(r'<a href="/app/leads/([0-9a-f-]{36})\?', page.text)
    assert ids, page.text
    return str(ids[0])


async def grade(client: httpx.AsyncClient, lead_id: str, **fields: str) -> httpx.Response:
    token = await csrf(client, f"/app/leads/{lead_id}")
    return await client.post(f"/app/leads/{lead_id}/grade", data={"csrf_token": token, **fields})


async def test_the_header_shows_the_workspace_name(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.acme)
    page = await browser.get("/app/search")
    assert re.search(r'data-testid="workspace">acme<', page.text)
    assert re.search(r'data-testid="who">acme-key<', page.text)
    browser.cookies.clear()
    await sign_in(browser, keys.search)
    assert re.search(r'data-testid="workspace">default<', (await browser.get("/app/search")).text)


async def test_grade_and_draft_match_the_api(
    browser: httpx.AsyncClient, keys: Keys, evidence_world: list[dict[str, Any]]
) -> None:
    await sign_in(browser, keys.acme)
    created = await create(browser, **COLD_CHAIN)
    assert created.status_code == 303
    icp_id = (await icp_ids(browser))["Cold chain DE"]
    found = await browser.post(
        "/v1/leads/score", json={"icp_id": icp_id, "items": ["acme-foods.com"]}, headers=bearer(keys.acme)
    )
    lead_id = found.json()["items"][0]["lead_id"]
    lead = await browser.get(f"/app/leads/{lead_id}")
    assert f'<option value="{icp_id}">Cold chain DE</option>' in lead.text

    page = await grade(browser, lead_id, icp_id=icp_id, draft="on", any_grade="on")
    assert page.status_code == 200, page.text
    scored = await browser.post(
        "/v1/leads/score", json={"icp_id": icp_id, "lead_ids": [lead_id]}, headers=bearer(keys.acme)
    )
    item = scored.json()["items"][0]
    assert item["grade"] is not None, item
    assert re.search(rf'data-testid="grade-value">{item["grade"]}<', page.text)
    assert f'data-testid="band">band {item["band"]}<' in page.text
    for reason in item["reasons"]:
        assert reason["text"].replace("'", "&#39;") in page.text
    drafted = await browser.post(
        "/v1/leads/drafts",
        json={"icp_id": icp_id, "lead_ids": [lead_id], "threshold": 0},
        headers=bearer(keys.acme),
    )
    draft = drafted.json()["items"][0]["draft"]
    assert draft is not None
    assert 'data-testid="draft"' in page.text
    assert draft["subject"].replace("'", "&#39;") in page.text
    # Every citation links to the cited snippet, shown once on the page.
    cited = re.findall(r'href="#cite-([^"]+)"', page.text)
    shown = re.findall(r'<li id="cite-([^"]+)"', page.text)
    assert cited
    assert set(cited) == set(shown)
    assert len(shown) == len(set(shown))
    wanted = {i for r in item["reasons"] for i in r["snippet_ids"]}
    wanted |= set(draft["subject_citations"]) | {c for s in draft["sentences"] for c in s["citations"]}
    assert set(shown) == wanted
    # The draft the page wrote is stored, as the API's are.
    stored = await browser.get(f"/v1/drafts?lead_id={lead_id}&icp_id={icp_id}", headers=bearer(keys.acme))
    assert len(stored.json()["drafts"]) == 2

    # Below the threshold without "any grade": no draft, and the page says why.
    strict = await create(browser, **{**COLD_CHAIN, "name": "Strict", "draft_threshold": "100"})
    assert strict.status_code == 303
    strict_id = (await icp_ids(browser))["Strict"]
    page = await grade(browser, lead_id, icp_id=strict_id, draft="on")
    assert 'data-testid="draft"' not in page.text
    assert "below this ICP&#39;s draft threshold (100)" in page.text


async def test_grade_errors_and_tenancy(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.acme)
    assert (await create(browser, name="Mine")).status_code == 303
    icp_id = (await icp_ids(browser))["Mine"]
    lead_id = await first_lead(browser)
    missing = await grade(browser, lead_id, icp_id="")
    assert missing.status_code == 422
    assert 'id="icp_id-error"' in missing.text
    refused = await browser.post(f"/app/leads/{lead_id}/grade", data={"icp_id": icp_id})
    assert refused.status_code == 403
    token = await csrf(browser, f"/app/leads/{lead_id}")
    unknown = await browser.post(
        "/app/leads/00000000-0000-0000-0000-000000000000/grade", data={"csrf_token": token, "icp_id": icp_id}
    )
    assert unknown.status_code == 404
    browser.cookies.clear()
    await sign_in(browser, keys.globex)
    other = await grade(browser, lead_id, icp_id=icp_id)
    assert other.status_code == 404
    api = await browser.post(
        "/v1/leads/score", json={"icp_id": icp_id, "lead_ids": [lead_id]}, headers=bearer(keys.globex)
    )
    assert api.status_code == 404

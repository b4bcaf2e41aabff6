"""Deep search: one ranking past k, paged by a cursor that stays stable while the index changes;
another workspace's or an expired cursor is a 404."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.jobs.conftest import JobsApp
from tests.jobs.support import add_companies
from tests.workspaces.support import bearer, workspace_key

URL = "/v1/leads/search/pages"


async def test_pages_past_k_are_one_stable_ranking(
    jobs_app: JobsApp, auth: dict[str, str], engine: AsyncEngine
) -> None:
    client = jobs_app.client
    body = {"prompt": "Logistics software for freight companies", "max_results": 600, "page_size": 200}
    first = await client.post(URL, json=body, headers=auth)
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["total"] == 600
    pages = [page]
    second = (await client.get(URL, params={"cursor": page["next_cursor"]}, headers=auth)).json()
    # The index changes: more companies arrive and are indexed; the result set does not move.
    await add_companies(engine, 300, prefix="late")
    await jobs_app.ranker.index.refresh()
    again = (await client.get(URL, params={"cursor": page["next_cursor"]}, headers=auth)).json()
    assert [lead["lead_id"] for lead in again["leads"]] == [lead["lead_id"] for lead in second["leads"]]
    pages.append(second)
    while pages[-1]["next_cursor"]:
        answer = await client.get(URL, params={"cursor": pages[-1]["next_cursor"]}, headers=auth)
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
    leads = [lead for p in pages for lead in p["leads"]]
    assert [lead["rank"] for lead in leads] == list(range(1, 601))
    assert len({lead["lead_id"] for lead in leads}) == 600
    scores = [lead["score"] for lead in leads]
    assert scores == sorted(scores, reverse=True)
    assert len(pages) == 3

    other = bearer(await workspace_key(engine, jobs_app.settings, "globex", "search"))
    assert (await client.get(URL, params={"cursor": page["next_cursor"]}, headers=other)).status_code == 404
    bad = await client.get(URL, params={"cursor": "not-a-cursor"}, headers=auth)
    assert bad.status_code == 404
    assert bad.json()["error"]["field"] == "cursor"
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE search_result_sets SET expires_at = now() - interval '1 second'"))
    expired = await client.get(URL, params={"cursor": page["next_cursor"]}, headers=auth)
    assert expired.status_code == 404


async def test_deep_search_by_icp_keeps_its_filters(jobs_app: JobsApp, auth: dict[str, str]) -> None:
    client = jobs_app.client
    icp = {"name": "German buyers", "product_description": "Freight software.", "countries": ["DE"]}
    icp_id = (await client.post("/v1/icps", json=icp, headers=auth)).json()["id"]
    page = (
        await client.post(URL, json={"icp_id": icp_id, "max_results": 300, "page_size": 100}, headers=auth)
    ).json()
    assert page["total"] > 100
    assert {lead["country"] for lead in page["leads"]} == {"DE"}
    assert (await client.post(URL, json={"max_results": 5}, headers=auth)).status_code == 422
    assert (
        await client.post(URL, json={"prompt": "CRM", "max_results": 10_001}, headers=auth)
    ).status_code == 422


async def test_search_answers_a_next_cursor_past_k(
    jobs_app: JobsApp, auth: dict[str, str], engine: AsyncEngine
) -> None:
    client = jobs_app.client
    body = {"prompt": "Logistics software for freight companies", "k": 50, "explain": False}
    plain = await client.post("/v1/leads/search", json=body, headers=auth)
    assert plain.status_code == 200, plain.text
    assert plain.json()["next_cursor"] is None
    first = (await client.post("/v1/leads/search", json={**body, "max_results": 230}, headers=auth)).json()
    assert [lead["lead_id"] for lead in first["leads"]] == [lead["lead_id"] for lead in plain.json()["leads"]]
    assert first["next_cursor"]
    assert first["metadata"]["cache_hit"] is True  # the cursor is the request's own, not cached
    # The index changes after the answer: the pages of its result set do not move.
    second = (await client.get(URL, params={"cursor": first["next_cursor"]}, headers=auth)).json()
    await add_companies(engine, 300, prefix="later")
    await jobs_app.ranker.index.refresh()
    again = (await client.get(URL, params={"cursor": first["next_cursor"]}, headers=auth)).json()
    assert again["leads"] == second["leads"]
    assert second["total"] == 230
    pages = [second]
    while pages[-1]["next_cursor"]:
        answer = await client.get(URL, params={"cursor": pages[-1]["next_cursor"]}, headers=auth)
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
    assert [len(p["leads"]) for p in pages] == [50, 50, 50, 30]
    rest = [lead for p in pages for lead in p["leads"]]
    assert [lead["rank"] for lead in rest] == list(range(51, 231))
    ids = [lead["lead_id"] for lead in first["leads"]] + [lead["lead_id"] for lead in rest]
    assert len(set(ids)) == 230
    # Another workspace's same search has its own result set (and cursor).
    other = bearer(await workspace_key(engine, jobs_app.settings, "globex", "search"))
    theirs = (await client.post("/v1/leads/search", json={**body, "max_results": 230}, headers=other)).json()
    assert theirs["next_cursor"] != first["next_cursor"]
    assert (await client.get(URL, params={"cursor": first["next_cursor"]}, headers=other)).status_code == 404
    assert (await client.get(URL, params={"cursor": theirs["next_cursor"]}, headers=other)).status_code == 200
    # Nothing past the first k: no cursor.
    assert (await client.post("/v1/leads/search", json={**body, "max_results": 50}, headers=auth)).json()[
        "next_cursor"
    ] is None

"""POST /v1/leads/score on the real stack: grades with reasons citing the lead's own evidence,
insufficient evidence instead of a guess, an ICP of another workspace is a 404, grades audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from tests.lists.conftest import ListsApp
from tests.workspaces.support import bearer, workspace_key

ICP: dict[str, Any] = {
    "name": "Cold chain DE",
    "product_description": "Temperature sensors and cold chain monitoring for food distributors and warehouses",
    "industries": ["Wholesale Trade"],
    "countries": ["DE"],
    "employees_min": 50,
    "employees_max": 5000,
    "technologies": ["Snowflake"],
}


async def make_icp(app: ListsApp, key: str, **change: Any) -> str:
    response = await app.client.post("/v1/icps", json={**ICP, **change}, headers=bearer(key))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def score(app: ListsApp, key: str, **body: Any) -> dict[str, Any]:
    response = await app.client.post("/v1/leads/score", json=body, headers=bearer(key))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_grades_reasons_and_evidence(lists_app: ListsApp, search_key: str, engine: AsyncEngine) -> None:
    icp_id = await make_icp(lists_app, search_key)
    body = await score(
        lists_app,
        search_key,
        icp_id=icp_id,
        items=["acme-foods.com", "ceo@globex-logistics.com", "nobody-here.org", "x@gmail.com"],
    )
    acme, globex, unknown, free = body["items"]
    assert body["icp_id"] == icp_id
    assert acme["found"] is True
    assert acme["insufficient_evidence"] is False
    assert 0 <= acme["grade"] <= 100
    assert acme["band"] in {"A", "B", "C", "D"}
    assert 2 <= len(acme["reasons"]) <= 5
    kinds = {r["kind"] for r in acme["reasons"]}
    assert kinds == {"fit", "intent"}
    evidence_ids = {e["snippet_id"] for e in acme["evidence"]}
    for reason in acme["reasons"]:
        assert reason["snippet_ids"]
        assert set(reason["snippet_ids"]) <= evidence_ids
    assert evidence_ids == {i for r in acme["reasons"] for i in r["snippet_ids"]}
    # every cited snippet is this company's
    async with engine.connect() as conn:
        owners = (
            (
                await conn.execute(
                    text(
                        "SELECT DISTINCT c.domain FROM snippets s JOIN companies c ON c.id = s.company_id WHERE s.id = ANY(:ids)"
                    ),
                    {"ids": sorted(evidence_ids)},
                )
            )
            .scalars()
            .all()
        )
    assert owners == ["acme-foods.com"]

    assert globex["insufficient_evidence"] is True
    assert globex["grade"] is None
    assert globex["band"] is None
    assert unknown == {**unknown, "found": False, "grade": None, "domain": "nobody-here.org"}
    assert free["status"] == "rejected"
    assert free["reason"] == "free_mail"

    by_id = await score(
        lists_app,
        search_key,
        icp_id=icp_id,
        lead_ids=[acme["lead_id"], "00000000-0000-4000-8000-00000000dead"],
    )
    assert by_id["items"][0]["grade"] == acme["grade"]
    assert by_id["items"][1]["found"] is False

    audit = await lists_app.client.get("/v1/audit", params={"action": "grade"}, headers=bearer(search_key))
    assert audit.status_code == 200
    graded = list(audit.json()["entries"])
    # one grading per company and evidence version: the second request re-graded nothing new
    assert sorted(e["detail"]["domain"] for e in graded) == ["acme-foods.com", "globex-logistics.com"]


async def test_prompt_instead_of_icp(lists_app: ListsApp, search_key: str) -> None:
    body = await score(
        lists_app, search_key, prompt="data engineering tools for food distributors", items=["acme-foods.com"]
    )
    (acme,) = body["items"]
    assert body["icp_id"] is None
    assert acme["found"] is True
    assert acme["insufficient_evidence"] is False  # hiring, funding and news are intent reasons
    assert all(r["kind"] == "intent" for r in acme["reasons"])


async def test_other_workspace_icp_is_404_and_validation(
    lists_app: ListsApp, search_key: str, engine: AsyncEngine, settings: Settings
) -> None:
    icp_id = await make_icp(lists_app, search_key)
    other = bearer(await workspace_key(engine, settings, "globex-sales", "search"))
    response = await lists_app.client.post(
        "/v1/leads/score", json={"icp_id": icp_id, "items": ["acme-foods.com"]}, headers=other
    )
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "icp_id"
    assert (await lists_app.client.get("/v1/audit", headers=other)).json()["entries"] == []
    for bad in (
        {"items": ["acme-foods.com"]},
        {"icp_id": icp_id, "prompt": "food distributors", "items": ["acme-foods.com"]},
        {"icp_id": icp_id},
        {"prompt": "x", "items": ["a.com"]},
    ):
        response = await lists_app.client.post("/v1/leads/score", json=bad, headers=bearer(search_key))
        assert response.status_code == 422, bad
    too_many = await lists_app.client.post(
        "/v1/leads/score", json={"icp_id": icp_id, "items": ["a.com"] * 1001}, headers=bearer(search_key)
    )
    assert too_many.status_code == 422
    # Both lists within the schema's bound: answered (LISTS_MAX_ITEMS bounds each, not the sum).
    together = {"icp_id": icp_id, "items": ["a.com"] * 600, "lead_ids": [icp_id] * 600}
    both = await lists_app.client.post("/v1/leads/score", json=together, headers=bearer(search_key))
    assert both.status_code == 200
    assert both.json()["metadata"]["items"] == 1200

"""Enrich and score lists as jobs, a job that fails (its ICP deleted before it ran), the workspace's
job list paged by cursor, and a 2,000-lead CSV download streamed in pieces over a real connection."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.state import state_of
from app.core.config import Settings
from app.jobs.service import RESULT_PAGE
from tests.jobs.conftest import JobsApp, open_jobs_app
from tests.jobs.support import read_sse, serve, wait_state
from tests.workspaces.support import bearer, workspace_key

MIXED = [
    "acme-foods.com",
    "ceo@initech.io",
    "someone@gmail.com",
    "not a domain",
    "unknown-company.example",
    42,
]
ICP = {
    "name": "Food distributors",
    "product_description": "A cloud data warehouse for food distributors.",
    "industries": ["Grocery and Related Product Merchant Wholesalers"],
    "countries": ["DE"],
    "employees_min": 50,
    "employees_max": 1000,
    "technologies": ["Snowflake"],
}


async def results(client: httpx.AsyncClient, job_id: str, auth: dict[str, str]) -> list[dict[str, Any]]:
    page = (await client.get(f"/v1/jobs/{job_id}/results", params={"limit": 1000}, headers=auth)).json()
    return list(page["results"])


async def test_enrich_job_answers_each_item(jobs_app: JobsApp, auth: dict[str, str]) -> None:
    client = jobs_app.client
    body = {"kind": "enrich", "items": MIXED, "options": {"signals": {"posts": False}}}
    answer = await client.post("/v1/jobs", json=body, headers=auth)
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    job = await wait_state(client, job_id, auth, "succeeded", "failed")
    assert job["state"] == "succeeded", job
    rows = await results(client, job_id, auth)
    assert [r["position"] for r in rows] == list(range(len(MIXED)))
    assert [r["status"] for r in rows] == ["ok", "ok", "rejected", "rejected", "ok", "rejected"]
    acme = rows[0]
    assert acme["found"] is True
    assert "posts" not in acme["signals"]
    assert rows[4]["found"] is False


async def test_an_enrich_job_stores_items_postgresql_cannot(jobs_app: JobsApp, auth: dict[str, str]) -> None:
    """NUL and lone surrogates, in strings or deep inside other JSON values: the job is accepted and
    each such item rejected on its own, like any other bad item."""
    client = jobs_app.client
    raw = json.dumps(
        {
            "kind": "enrich",
            "items": ["acme-foods.com", "a\u0000b.com", "\ud800x.com", {"k\u0000": ["\u0000"]}],
        }
    )
    answer = await client.post("/v1/jobs", content=raw, headers={**auth, "content-type": "application/json"})
    assert answer.status_code == 202, answer.text
    job = await wait_state(client, answer.json()["job_id"], auth, "succeeded", "failed")
    assert job["state"] == "succeeded", job
    rows = await results(client, answer.json()["job_id"], auth)
    assert [(r["status"], r.get("reason")) for r in rows] == [
        ("ok", None),
        ("rejected", "encoding"),
        ("rejected", "encoding"),
        ("rejected", "not_a_string"),
    ]


async def test_score_job_grades_with_reasons(jobs_app: JobsApp, auth: dict[str, str]) -> None:
    client = jobs_app.client
    icp = (await client.post("/v1/icps", json=ICP, headers=auth)).json()
    body = {"kind": "score", "items": MIXED[:3], "icp_id": icp["id"]}
    job_id = (await client.post("/v1/jobs", json=body, headers=auth)).json()["job_id"]
    job = await wait_state(client, job_id, auth, "succeeded", "failed")
    assert job["state"] == "succeeded", job
    rows = await results(client, job_id, auth)
    assert rows[0]["domain"] == "acme-foods.com"
    assert rows[0]["grade"] is not None
    assert len(rows[0]["reasons"]) >= 2
    assert rows[2]["status"] == "rejected"
    async with serve(jobs_app.app) as base, httpx.AsyncClient(base_url=base) as http:
        read = await read_sse(http, f"/v1/jobs/{job_id}/events", headers=auth)
    generated = [e for e in read.events if e.type == "lead_generated"]
    assert {e.data["domain"] for e in generated} == {"acme-foods.com", "initech.io"}


async def test_icp_campaign_with_drafts(jobs_app: JobsApp, auth: dict[str, str]) -> None:
    client = jobs_app.client
    icp = (await client.post("/v1/icps", json=ICP, headers=auth)).json()
    body = {"kind": "campaign", "icp_id": icp["id"], "limit": 20, "options": {"drafts": True, "signals": {}}}
    job_id = (await client.post("/v1/jobs", json=body, headers=auth)).json()["job_id"]
    job = await wait_state(client, job_id, auth, "succeeded", "failed")
    assert job["state"] == "succeeded", job
    rows = await results(client, job_id, auth)
    acme = next(r for r in rows if r["domain"] == "acme-foods.com")
    assert acme["grade"] is not None
    draft = acme["draft"]
    assert isinstance(draft, dict)
    assert draft["subject"]
    cited = {c for s in draft["sentences"] for c in s["citations"]}
    assert cited
    assert {r["country"] for r in rows} == {"DE"}


async def test_a_job_whose_icp_is_gone_fails_with_pipeline_error(
    bulk_world: AsyncEngine, settings: Settings
) -> None:
    async with open_jobs_app(settings, bulk_world, jobs_worker_enabled=False) as app:
        auth = bearer(await workspace_key(bulk_world, app.settings, "acme-sales", "search"))
        icp = (await app.client.post("/v1/icps", json=ICP, headers=auth)).json()
        body = {"kind": "score", "items": ["acme-foods.com"], "icp_id": icp["id"]}
        job_id = (await app.client.post("/v1/jobs", json=body, headers=auth)).json()["job_id"]
        assert (await app.client.delete(f"/v1/icps/{icp['id']}", headers=auth)).status_code == 204
    async with open_jobs_app(settings, bulk_world) as app:
        job = await wait_state(app.client, job_id, auth, "failed", "succeeded")
        assert job["state"] == "failed"
        assert job["error"]["code"] == "not_found"
        async with serve(app.app) as base, httpx.AsyncClient(base_url=base) as http:
            read = await read_sse(http, f"/v1/jobs/{job_id}/events", headers=auth)
    assert [e.type for e in read.events] == ["pipeline_start", "pipeline_error"]
    assert read.events[-1].data["error"]["code"] == "not_found"


async def test_jobs_are_listed_newest_first_by_cursor(bulk_world: AsyncEngine, settings: Settings) -> None:
    async with open_jobs_app(settings, bulk_world, jobs_worker_enabled=False) as app:
        auth = bearer(await workspace_key(bulk_world, app.settings, "acme-sales", "search"))
        made = [
            (
                await app.client.post(
                    "/v1/jobs", json={"kind": "enrich", "items": [f"d{i}.com"]}, headers=auth
                )
            ).json()["job_id"]
            for i in range(7)
        ]
        listed: list[str] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            page = (await app.client.get("/v1/jobs", params=params, headers=auth)).json()
            listed += [j["job_id"] for j in page["jobs"]]
            assert all(j["state"] == "queued" for j in page["jobs"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert listed == made[::-1]


async def test_csv_of_a_2000_lead_job_streams_in_pieces(jobs_app: JobsApp, auth: dict[str, str]) -> None:
    client = jobs_app.client
    body = {"kind": "campaign", "prompt": "Software for logistics companies", "limit": 2000}
    job_id = (await client.post("/v1/jobs", json=body, headers=auth)).json()["job_id"]
    job = await wait_state(client, job_id, auth, "succeeded", "failed")
    assert job["progress"] == {"done": 2000, "total": 2000}
    pieces = 0
    buffer = io.BytesIO()
    # What the server reads from PostgreSQL for the download: every result query, with its LIMIT.
    reads: list[int] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "FROM job_results" in statement:
            reads.append(int(params[-1]))  # the LIMIT, the statement's last parameter

    engine = state_of(jobs_app.app).core.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        async with (
            serve(jobs_app.app) as base,
            httpx.AsyncClient(base_url=base) as http,
            http.stream(
                "GET", f"/v1/jobs/{job_id}/results", params={"format": "csv"}, headers=auth
            ) as answer,
        ):
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/csv")
            assert "content-length" not in answer.headers  # chunked: written as it is read
            async for chunk in answer.aiter_raw():
                pieces += 1
                buffer.write(chunk)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue().decode())))
    assert [int(r["position"]) for r in rows] == list(range(2000))
    assert len({r["lead_id"] for r in rows}) == 2000
    assert pieces > 4
    # Never the whole job in memory: keyset pages of RESULT_PAGE rows, one query each.
    assert reads == [RESULT_PAGE] * (2000 // RESULT_PAGE + 1)
    for fmt in ("ndjson", "json"):
        answer = await client.get(f"/v1/jobs/{job_id}/results", params={"format": fmt}, headers=auth)
        count = len(answer.text.splitlines()) if fmt == "ndjson" else len(answer.json())
        assert count == 2000

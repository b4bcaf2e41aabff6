"""Campaigns end to end on the real stack: the worker in the API process, events over a real SSE
connection (uvicorn on loopback), results paged and downloaded."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.jobs.schemas import EVENT_TYPES
from tests.jobs.conftest import JobsApp
from tests.jobs.support import read_sse, serve, wait_state
from tests.workspaces.support import bearer, workspace_key

ORDER = [t for t in EVENT_TYPES if t != "pipeline_error"]


async def test_campaign_of_500_leads_streams_every_event_type_in_order(
    jobs_app: JobsApp, auth: dict[str, str]
) -> None:
    client = jobs_app.client
    body = {
        "kind": "campaign",
        "prompt": "Data warehouse migration for food distributors",
        "limit": 500,
        "options": {"signals": {"posts": False}},
    }
    answer = await client.post("/v1/jobs", json=body, headers=auth)
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    async with serve(jobs_app.app) as base, httpx.AsyncClient(base_url=base) as http:
        read = await read_sse(http, f"/v1/jobs/{job_id}/events", headers=auth)
    assert read.ended
    types = [e.type for e in read.events]
    firsts = sorted(set(types), key=types.index)
    assert firsts == ORDER, firsts
    assert types[0] == "pipeline_start"
    assert types[-1] == "pipeline_end"
    assert [e.id for e in read.events] == list(range(1, len(read.events) + 1))
    generated = [e for e in read.events if e.type == "lead_generated"]
    assert len(generated) == 500
    assert all(e.data["job_id"] == job_id and e.data["timestamp"] for e in read.events)
    assert {"lead_id", "domain", "grade", "reasons", "rank"} <= set(generated[0].data)
    graded = [e for e in generated if e.data["grade"] is not None]
    assert graded
    assert all(len(e.data["reasons"]) >= 2 for e in graded)
    job = (await client.get(f"/v1/jobs/{job_id}", headers=auth)).json()
    assert job["state"] == "succeeded"
    assert job["progress"] == {"done": 500, "total": 500}
    assert job["finished_at"]
    assert job["started_at"]
    assert job["leads_per_s"] > 0

    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"/v1/jobs/{job_id}/results", params=params, headers=auth)).json()
        seen += [r["position"] for r in page["results"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(500))
    ids = [e.data["lead_id"] for e in generated]
    assert len(set(ids)) == 500


async def test_campaign_by_business_context_and_csv_download(jobs_app: JobsApp, auth: dict[str, str]) -> None:
    client = jobs_app.client
    body = {
        "kind": "campaign",
        "business_context": {
            "product": "Cold chain monitoring sensors",
            "industry": "food distribution",
            "location": "Germany",
            "customer_size": "mid-sized",
            "pain_points": ["spoiled stock", "manual temperature logs"],
        },
        "filters": {"countries": ["DE"]},
        "limit": 300,
    }
    answer = await client.post("/v1/jobs", json=body, headers=auth)
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    job = await wait_state(client, job_id, auth, "succeeded", "failed")
    assert job["state"] == "succeeded", job
    answer = await client.get(f"/v1/jobs/{job_id}/results", params={"format": "csv"}, headers=auth)
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows
    assert len(rows) == job["progress"]["total"]
    assert {r["country"] for r in rows} == {"DE"}
    assert rows[0]["position"] == "0"


async def test_other_workspace_sees_404_and_bad_requests_name_the_field(
    jobs_app: JobsApp, auth: dict[str, str], engine: AsyncEngine
) -> None:
    client = jobs_app.client
    job_id = (
        await client.post(
            "/v1/jobs", json={"kind": "campaign", "prompt": "CRM software", "limit": 5}, headers=auth
        )
    ).json()["job_id"]
    other = bearer(await workspace_key(engine, jobs_app.settings, "globex", "search"))
    for path in ("", "/events", "/results", "/deliveries"):
        assert (await client.get(f"/v1/jobs/{job_id}{path}", headers=other)).status_code == 404
    assert (await client.post(f"/v1/jobs/{job_id}/cancel", headers=other)).status_code == 404
    assert (await client.get("/v1/jobs", headers=other)).json()["jobs"] == []
    bad = await client.post(
        "/v1/jobs", json={"kind": "campaign", "prompt": "CRM", "limit": 10_001}, headers=auth
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "limit"
    both = await client.post("/v1/jobs", json={"kind": "campaign", "limit": 5}, headers=auth)
    assert both.status_code == 422
    nul = await client.post("/v1/jobs", json={"kind": "campaign", "prompt": "CRM\u0000x"}, headers=auth)
    assert nul.status_code == 422
    assert nul.json()["error"]["field"] == "prompt"
    cursor = await client.get("/v1/jobs", params={"cursor": "!!"}, headers=auth)
    assert cursor.status_code == 404  # names no page
    assert cursor.json()["error"]["field"] == "cursor"

"""Webhooks against a real HTTP receiver on loopback: a signed call the receiver verifies, retries
with backoff for a failing receiver, and URLs refused in production (scheme, private addresses)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.jobs.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    UnsafeUrl,
    backoff_s,
    check_url,
    sign,
    verify,
)
from tests.jobs.conftest import JobsApp, open_jobs_app
from tests.jobs.support import serve, wait_state
from tests.workspaces.support import bearer, workspace_key


@dataclass
class Receiver:
    """Answers `fail` 500s, then 200s; records each call."""

    fail: int = 0
    calls: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.body()
            self.calls.append({"at": time.monotonic(), "headers": dict(request.headers), "body": body})
            return Response(status_code=500 if len(self.calls) <= self.fail else 200)

        return app


@pytest.fixture
async def receiver_url() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    app = receiver.app()
    async with serve(app) as base:
        yield receiver, f"{base}/hook"


async def deliveries_when_done(
    app: JobsApp, job_id: str, auth: dict[str, str], states: set[str]
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 60
    while True:
        rows: list[dict[str, Any]] = (
            await app.client.get(f"/v1/jobs/{job_id}/deliveries", headers=auth)
        ).json()["deliveries"]
        if rows and all(d["state"] in states for d in rows):
            return rows
        assert time.monotonic() < deadline, rows
        await asyncio.sleep(0.1)


async def test_signed_call_on_pipeline_end(
    jobs_app: JobsApp, auth: dict[str, str], receiver_url: tuple[Receiver, str]
) -> None:
    receiver, url = receiver_url
    answer = await jobs_app.client.post(
        "/v1/jobs",
        json={"kind": "campaign", "prompt": "Freight software", "limit": 50, "options": {"webhook_url": url}},
        headers=auth,
    )
    assert answer.status_code == 202, answer.text
    job_id, secret = answer.json()["job_id"], answer.json()["webhook_secret"]
    assert secret
    await wait_state(jobs_app.client, job_id, auth, "succeeded")
    rows = await deliveries_when_done(jobs_app, job_id, auth, {"delivered", "failed"})
    assert [(d["event"], d["state"], d["attempts"], d["last_status"]) for d in rows] == [
        ("pipeline_end", "delivered", 1, 200)
    ]
    (call,) = receiver.calls
    headers = call["headers"]
    assert verify(
        secret,
        timestamp=headers[TIMESTAMP_HEADER.lower()],
        body=call["body"],
        signature=headers[SIGNATURE_HEADER.lower()],
    )
    assert not verify(
        "whsec_other",
        timestamp=headers[TIMESTAMP_HEADER.lower()],
        body=call["body"],
        signature=headers[SIGNATURE_HEADER.lower()],
    )
    assert not verify(
        secret,
        timestamp=headers[TIMESTAMP_HEADER.lower()],
        body=call["body"] + b" ",
        signature=headers[SIGNATURE_HEADER.lower()],
    )
    assert headers[DELIVERY_HEADER.lower()] == str(rows[0]["id"])
    payload = orjson.loads(call["body"])
    assert payload["event"] == "pipeline_end"
    assert payload["job_id"] == job_id
    assert payload["state"] == "succeeded"


async def test_failing_receiver_gets_retries_with_backoff(
    jobs_app: JobsApp, auth: dict[str, str], receiver_url: tuple[Receiver, str]
) -> None:
    receiver, url = receiver_url
    receiver.fail = 3
    answer = await jobs_app.client.post(
        "/v1/jobs",
        json={"kind": "campaign", "prompt": "Freight software", "limit": 5, "options": {"webhook_url": url}},
        headers=auth,
    )
    job_id = answer.json()["job_id"]
    rows = await deliveries_when_done(jobs_app, job_id, auth, {"delivered", "failed"})
    (delivery,) = rows
    assert delivery["state"] == "delivered"
    assert delivery["attempts"] == 4
    assert [a["status"] for a in delivery["log"]] == [500, 500, 500, 200]
    gaps = [b["at"] - a["at"] for a, b in zip(receiver.calls, receiver.calls[1:], strict=False)]
    # base 0.2 s doubling (0.2, 0.4, 0.8; capped at 1 s), each x a jitter in [0.5, 1]
    for attempt, gap in enumerate(gaps, start=1):
        expected = min(0.2 * 2 ** (attempt - 1), 1.0)
        assert gap >= expected * 0.5 - 0.05, gaps
    assert len({c["headers"][DELIVERY_HEADER.lower()] for c in receiver.calls}) == 1


async def test_retries_stop_after_the_window(
    bulk_world: AsyncEngine, settings: Settings, receiver_url: tuple[Receiver, str]
) -> None:
    receiver, url = receiver_url
    receiver.fail = 1000
    async with open_jobs_app(settings, bulk_world, webhook_retry_window_s=1.0) as app:
        auth = bearer(await workspace_key(bulk_world, app.settings, "acme-sales", "search"))
        answer = await app.client.post(
            "/v1/jobs",
            json={
                "kind": "campaign",
                "prompt": "Freight software",
                "limit": 5,
                "options": {"webhook_url": url},
            },
            headers=auth,
        )
        job_id = answer.json()["job_id"]
        (delivery,) = await deliveries_when_done(app, job_id, auth, {"delivered", "failed"})
    assert delivery["state"] == "failed"
    assert delivery["attempts"] >= 2
    assert delivery["last_status"] == 500


def test_backoff_is_exponential_capped_and_jittered(settings: Settings) -> None:
    s = settings.model_copy(update={"webhook_retry_base_s": 30.0, "webhook_retry_max_s": 3600.0})
    rng = random.Random(7)
    for attempt in range(1, 30):
        delay = backoff_s(attempt, s, rng)
        full = min(30.0 * 2 ** (attempt - 1), 3600.0)
        assert full * 0.5 <= delay <= full


def test_signature_is_over_timestamp_and_body() -> None:
    body = b'{"event":"pipeline_end"}'
    signature = sign("k", 1_700_000_000, body)
    assert verify("k", timestamp="1700000000", body=body, signature=signature, now=1_700_000_100)
    assert not verify("k", timestamp="1700000000", body=body, signature=signature, now=1_700_000_000 + 301)
    assert not verify("k", timestamp="1700000001", body=body, signature=signature, now=1_700_000_000)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # not https
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://user:pw@example.com/hook",
        "ftp://example.com/hook",
    ],
)
async def test_production_refuses_private_and_plain_http_urls(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        await check_url(url, environment="prod")


async def test_dev_allows_loopback_and_production_allows_a_public_address() -> None:
    await check_url("http://127.0.0.1:9/hook", environment="dev")
    await check_url("https://93.184.215.14/hook", environment="prod")


async def test_production_api_refuses_a_private_webhook_url(
    bulk_world: AsyncEngine, settings: Settings
) -> None:
    async with open_jobs_app(settings, bulk_world, environment="prod", jobs_worker_enabled=False) as app:
        auth = bearer(await workspace_key(bulk_world, app.settings, "acme-sales", "search"))
        for url in ("https://127.0.0.1/hook", "https://10.0.0.7/hook", "http://93.184.215.14/hook"):
            answer = await app.client.post(
                "/v1/jobs",
                json={"kind": "campaign", "prompt": "Freight software", "options": {"webhook_url": url}},
                headers=auth,
            )
            assert answer.status_code == 422, answer.text
            assert answer.json()["error"]["field"] == "options.webhook_url"
        assert (await app.client.get("/v1/jobs", headers=auth)).json()["jobs"] == []


async def test_a_job_without_webhook_has_no_deliveries(jobs_app: JobsApp, auth: dict[str, str]) -> None:
    answer = await jobs_app.client.post(
        "/v1/jobs", json={"kind": "campaign", "prompt": "Freight software", "limit": 3}, headers=auth
    )
    job_id = answer.json()["job_id"]
    assert answer.json()["webhook_secret"] is None
    await wait_state(jobs_app.client, job_id, auth, "succeeded")
    assert (await jobs_app.client.get(f"/v1/jobs/{job_id}/deliveries", headers=auth)).json() == {
        "deliveries": []
    }


async def test_per_lead_webhooks(
    jobs_app: JobsApp, auth: dict[str, str], receiver_url: tuple[Receiver, str]
) -> None:
    receiver, url = receiver_url
    options = {"webhook_url": url, "webhook_per_lead": True}
    body = {"kind": "campaign", "prompt": "Freight software", "limit": 5, "options": options}
    job_id = (await jobs_app.client.post("/v1/jobs", json=body, headers=auth)).json()["job_id"]
    await wait_state(jobs_app.client, job_id, auth, "succeeded")  # every delivery exists by then
    rows = await deliveries_when_done(jobs_app, job_id, auth, {"delivered", "failed"})
    assert [d["event"] for d in rows] == ["lead_generated"] * 5 + ["pipeline_end"]
    assert {d["state"] for d in rows} == {"delivered"}
    leads = {orjson.loads(c["body"]).get("lead_id") for c in receiver.calls} - {None}
    assert len(leads) == 5
    missing = await jobs_app.client.post(
        "/v1/jobs", json={**body, "options": {"webhook_per_lead": True}}, headers=auth
    )
    assert missing.status_code == 422

"""Campaign pages over ASGI, with the job worker of the app: start one from the form, its event
stream through the session cookie (resumed with Last-Event-ID), the downloads, the list; the API's
checks, tenancy (404) and scope (403); CSRF on every form."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from tests.console.conftest import Keys, csrf, sign_in
from tests.workspaces.support import bearer

NONCE = re.compile(r'name="nonce" value="([0-9a-f]{32})"')


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    type: str
    data: dict[str, Any]


async def start(client: httpx.AsyncClient, nonce: str | None = None, **fields: str) -> httpx.Response:
    page = await client.get("/app/campaigns")
    assert page.status_code == 200, page.text
    token = await csrf(client, "/app/campaigns")
    found = NONCE.search(page.text)
    assert found is not None
    data = {"prompt": "", "limit": "5", "csrf_token": token, "nonce": nonce or found.group(1), **fields}
    return await client.post("/app/campaigns", data=data)


async def events(client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None) -> list[Event]:
    """The whole stream (it ends after pipeline_end)."""
    out: list[Event] = []
    fields: dict[str, str] = {}
    async with client.stream("GET", path, headers=headers or {}, timeout=120) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        async for line in answer.aiter_lines():
            if line == "" and fields:
                out.append(Event(int(fields["id"]), fields["event"], json.loads(fields["data"])))
                fields = {}
            elif line and not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value
    return out


async def test_a_campaign_from_the_form_streams_and_downloads(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.acme)
    started = await start(browser, prompt="cloud cost optimization software", limit="6", drafts="on")
    assert started.status_code == 303, started.text
    page_path = started.headers["location"]
    job_id = page_path.rsplit("/", 1)[1]
    stream = await events(browser, f"{page_path}/events")
    types = [e.type for e in stream]
    assert types[0] == "pipeline_start"
    assert types[-1] == "pipeline_end"
    assert [e.id for e in stream] == list(range(1, len(stream) + 1))
    leads = [e for e in stream if e.type == "lead_generated"]
    assert len(leads) == 6
    assert {"lead_id", "domain", "rank", "grade", "reasons"} <= set(leads[0].data)
    # A reconnecting EventSource sends Last-Event-ID: the events after it, which wins over the
    # page's first ?last_event_id.
    resumed = await events(browser, f"{page_path}/events?last_event_id=1", headers={"Last-Event-ID": "3"})
    assert [e.id for e in resumed] == [e.id for e in stream[3:]]
    assert [e.id for e in await events(browser, f"{page_path}/events?last_event_id=2")] == [
        e.id for e in stream[2:]
    ]
    # The same stream as the API's, for the same key.
    assert [e.id for e in await events(browser, f"/v1/jobs/{job_id}/events", bearer(keys.acme))] == [
        e.id for e in stream
    ]

    page = await browser.get(page_path)
    assert page.status_code == 200
    assert re.search(r'data-testid="state">succeeded<', page.text)
    assert len(re.findall(r'<tr data-rank="\d+">', page.text)) == 6
    assert 'data-testid="downloads">' in page.text  # not hidden once finished
    assert 'data-finished="true"' in page.text
    sheet = await browser.get(f"{page_path}/results.csv")
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("text/csv")
    assert f'filename="job-{job_id}.csv"' in sheet.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert [r["lead_id"] for r in rows] == [e.data["lead_id"] for e in leads]
    as_json = (await browser.get(f"{page_path}/results.json")).json()
    assert [r["lead_id"] for r in as_json] == [e.data["lead_id"] for e in leads]
    assert (await browser.get(f"{page_path}/results.xml")).status_code == 404
    listing = await browser.get("/app/campaigns")
    assert f'href="/app/campaigns/{job_id}"' in listing.text
    assert "succeeded" in listing.text


async def test_a_form_sent_twice_starts_one_campaign(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.acme)
    nonce = "ab" * 16
    first = await start(browser, nonce, prompt="payroll software for remote teams")
    again = await start(browser, nonce, prompt="payroll software for remote teams")
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]


async def test_the_form_refuses_what_the_api_refuses(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.acme)
    cases = {
        "limit": {"prompt": "cloud software", "limit": "20000"},
        "prompt": {"prompt": ""},
    }
    for field, fields in cases.items():
        page = await start(browser, **fields)
        assert page.status_code == 422, field
        assert f'id="{field}-error"' in page.text, field
    api = await browser.post("/v1/jobs", json={"kind": "campaign", "limit": 5}, headers=bearer(keys.acme))
    assert api.status_code == 422
    page = await start(browser)
    message = re.search(r'id="prompt-error">([^<]+)<', page.text)
    assert message is not None
    assert api.json()["error"]["message"].endswith(message.group(1))
    unknown = await start(browser, icp_id="00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404  # as POST /v1/jobs answers an unknown ICP


async def test_another_workspace_gets_404_and_forms_need_csrf(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.acme)
    started = await start(browser, prompt="cloud cost optimization software", limit="3")
    path = started.headers["location"]
    job_id = path.rsplit("/", 1)[1]
    assert (await browser.post(f"{path}/cancel", data={})).status_code == 403  # no CSRF token
    assert (await browser.post("/app/campaigns", data={"prompt": "cloud software"})).status_code == 403
    token = await csrf(browser, "/app/campaigns")
    cancelled = await browser.post(f"{path}/cancel", data={"csrf_token": token})
    assert cancelled.status_code == 303
    assert cancelled.headers["location"] == path

    browser.cookies.clear()
    await sign_in(browser, keys.globex)
    assert job_id not in (await browser.get("/app/campaigns")).text
    token = await csrf(browser, "/app/campaigns")
    answers = {
        "page": await browser.get(path),
        "events": await browser.get(f"{path}/events"),
        "csv": await browser.get(f"{path}/results.csv"),
        "cancel": await browser.post(f"{path}/cancel", data={"csrf_token": token}),
    }
    for what, answer in answers.items():
        assert answer.status_code == 404, what
    for api_path in ("", "/events", "/results"):
        assert (
            await browser.get(f"/v1/jobs/{job_id}{api_path}", headers=bearer(keys.globex))
        ).status_code == 404


async def test_a_key_without_the_search_scope_gets_403_like_the_api(
    browser: httpx.AsyncClient, keys: Keys
) -> None:
    await sign_in(browser, keys.ingest)
    for path in ("/app/campaigns", "/app/campaigns/00000000-0000-0000-0000-000000000000/events"):
        assert (await browser.get(path)).status_code == 403, path
    assert (await browser.get("/v1/jobs", headers=bearer(keys.ingest))).status_code == 403


async def test_a_campaign_from_an_icp(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.acme)
    icp = await browser.post(
        "/v1/icps",
        json={"name": "Campaign ICP", "product_description": "cloud cost optimization software"},
        headers=bearer(keys.acme),
    )
    icp_id = icp.json()["id"]
    form = await browser.get(f"/app/campaigns?icp_id={icp_id}")  # the ICP list's "Campaign" link
    assert f'<option value="{icp_id}" selected>Campaign ICP</option>' in form.text
    started = await start(browser, icp_id=icp_id, limit="4")
    assert started.status_code == 303
    path = started.headers["location"]
    stream = await events(browser, f"{path}/events")
    assert len([e for e in stream if e.type == "lead_generated"]) == 4
    page = await browser.get(path)
    assert re.search(
        r'data-testid="target">\s*For the ICP <a href="/app/icps/[0-9a-f-]+">Campaign ICP</a>', page.text
    )


async def test_odd_input_gets_a_4xx_page_never_a_500(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.acme)
    started = await start(browser, prompt="cloud cost optimization software", limit="2")
    path = started.headers["location"]
    token = await csrf(browser, "/app/campaigns")
    answers = {
        "bad cursor": (await browser.get("/app/campaigns?cursor=%%%"), 404),  # names no page
        "bad limit": (await start(browser, prompt="cloud software", limit="ten"), 422),
        "bad icp id": (await start(browser, icp_id="not-an-id"), 422),
        "nul prompt": (await start(browser, prompt="cloud\x00software"), 422),
        "bad job id": (await browser.get("/app/campaigns/not-an-id"), 404),
        "long event id": (await browser.get(f"{path}/events", headers={"Last-Event-ID": "9" * 40}), 404),
        "too many fields": (
            await browser.post(
                "/app/campaigns", data={f"f{i}": "x" for i in range(60)} | {"csrf_token": token}
            ),
            400,
        ),
        "huge icp form": (
            await browser.post("/app/icps", data={"name": "x" * 2_000_000, "csrf_token": token}),
            413,
        ),
        "bad grade icp": (
            await browser.post(
                "/app/leads/00000000-0000-0000-0000-000000000000/grade",
                data={"icp_id": "nope", "csrf_token": token},
            ),
            404,
        ),
        "search icp id": (await browser.get("/app/search?icp_id=nope"), 422),
    }
    for what, (answer, status) in answers.items():
        assert answer.status_code == status, (what, answer.status_code)
        if what != "huge icp form":  # refused by the app-wide body limit (MAX_BODY_BYTES) as it is read
            assert "text/html" in answer.headers["content-type"], what
    # A Last-Event-ID that is no number starts from the beginning, as the API does.
    stream = await events(browser, f"{path}/events", headers={"Last-Event-ID": "abc"})
    assert stream[0].id == 1

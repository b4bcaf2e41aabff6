"""POST /v1/leads/enrich on the real stack: a mixed list, signal toggles, signals_missed, limits."""

from __future__ import annotations

import json
import uuid
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from tests.lists.conftest import ListsApp, open_lists_app
from tests.workspaces.support import bearer, workspace_key

MIXED = [
    "acme-foods.com",
    "jane.doe@acme-foods.com",
    "https://www.Globex-Logistics.com/about",
    "someone@gmail.com",
    "not a domain",
    "unknown-company-xyz.com",
    42,
    "hotmail.com",
]


async def enrich(app: ListsApp, key: str, **body: Any) -> dict[str, Any]:
    response = await app.client.post("/v1/leads/enrich", json=body, headers=bearer(key))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_mixed_list_is_answered_item_by_item(lists_app: ListsApp, search_key: str) -> None:
    body = await enrich(lists_app, search_key, items=MIXED)
    items = body["items"]
    assert [i["index"] for i in items] == list(range(len(MIXED)))
    assert [i["status"] for i in items] == [
        "ok",
        "ok",
        "ok",
        "rejected",
        "rejected",
        "ok",
        "rejected",
        "rejected",
    ]
    assert [i["reason"] for i in items if i["status"] == "rejected"] == [
        "free_mail",
        "invalid_domain",
        "not_a_string",
        "free_mail",
    ]
    assert items[0]["domain"] == items[1]["domain"] == "acme-foods.com"
    assert items[2]["domain"] == "globex-logistics.com"
    assert items[5] == {**items[5], "found": False, "domain": "unknown-company-xyz.com", "profile": None}
    assert items[5]["signals_missed"] == ["overview", "tech_stack", "funding", "news", "hiring", "posts"]
    assert body["metadata"] | {"processing_time_ms": 0} == {
        "items": 8,
        "rejected": 4,
        "found": 3,
        "not_found": 1,
        "processing_time_ms": 0,
    }

    acme = items[0]
    assert acme["found"] is True
    assert acme["profile"]["name"] == "Acme Foods"
    assert acme["profile"]["country"] == "DE"
    assert acme["signals_missed"] == []
    assert set(acme["signals"]) == {"overview", "tech_stack", "funding", "news", "hiring", "posts"}
    tech = acme["signals"]["tech_stack"]
    assert {t["name"]: t["status"] for t in tech["value"]} == {"Snowflake": "current", "Teradata": "removed"}
    assert 0 < tech["confidence"] <= 1
    assert "Snowflake" in tech["evidence"][0]["excerpt"]
    assert acme["signals"]["funding"]["value"][0]["round"] == "Series B"
    assert acme["signals"]["hiring"]["value"][0] == {
        **acme["signals"]["hiring"]["value"][0],
        "role": "Data Engineers",
        "count": 3,
    }
    assert acme["signals"]["news"]["value"][0]["trigger"] == "expansion"
    assert "chilled food" in acme["signals"]["posts"]["value"][0]["text"]
    for signal in acme["signals"].values():
        for ev in signal["evidence"]:
            assert set(ev) == {"snippet_id", "kind", "excerpt", "source_url", "observed_at", "age_days"}
            assert ev["source_url"].startswith("https://news.example.com/acme-foods.com/")
            assert ev["age_days"] >= 0

    globex = items[2]
    assert globex["found"] is True
    assert set(globex["signals"]) == {"overview"}
    assert globex["signals_missed"] == ["tech_stack", "funding", "news", "hiring", "posts"]


async def test_toggles_choose_the_signals(lists_app: ListsApp, search_key: str) -> None:
    toggles = {
        "overview": False,
        "tech_stack": True,
        "funding": False,
        "news": False,
        "hiring": True,
        "posts": False,
    }
    body = await enrich(lists_app, search_key, items=["acme-foods.com", "initech.io"], signals=toggles)
    acme, initech = body["items"]
    assert set(acme["signals"]) == {"tech_stack", "hiring"}
    assert acme["signals_missed"] == []
    assert set(initech["signals"]) == {"tech_stack"}
    assert initech["signals_missed"] == ["hiring"]
    assert acme["profile"]["name"] == "Acme Foods"  # the profile comes with every found company


async def test_limits_and_validation(lists_app: ListsApp, search_key: str) -> None:
    headers = bearer(search_key)
    too_many = await lists_app.client.post(
        "/v1/leads/enrich", json={"items": ["a.com"] * 1001}, headers=headers
    )
    assert too_many.status_code == 422  # past the schema's 1,000 (LISTS_MAX_ITEMS may serve fewer: 413)
    assert too_many.json()["error"]["field"] == "items"
    empty = await lists_app.client.post("/v1/leads/enrich", json={"items": []}, headers=headers)
    assert empty.status_code == 422
    assert empty.json()["error"]["field"] == "items"
    bad_toggle = await lists_app.client.post(
        "/v1/leads/enrich", json={"items": ["a.com"], "signals": {"weather": True}}, headers=headers
    )
    assert bad_toggle.status_code == 422
    assert bad_toggle.json()["error"]["field"] == "signals.weather"
    # ASCII-escaped JSON: a lone surrogate can only travel as an escape.
    raw = json.dumps({"items": ["a\u0000b.com", "\ud800x.com", "x" * 3000, "", None]})
    weird = await lists_app.client.post(
        "/v1/leads/enrich", content=raw, headers={**headers, "content-type": "application/json"}
    )
    assert weird.status_code == 200
    assert [i["reason"] for i in weird.json()["items"]] == [
        "encoding",
        "encoding",
        "too_long",
        "empty",
        "not_a_string",
    ]
    assert (await lists_app.client.post("/v1/leads/enrich", json={"items": ["a.com"]})).status_code == 401


async def test_a_lower_served_limit_is_a_413(
    settings: Settings, clean_db: AsyncEngine, redis_client: Redis, engine: AsyncEngine
) -> None:
    async with open_lists_app(settings, engine, lists_max_items=2) as app:
        headers = bearer(await workspace_key(engine, app.settings, "acme-sales", "search"))
        over = await app.client.post("/v1/leads/enrich", json={"items": ["a.com"] * 3}, headers=headers)
        assert over.status_code == 413
        assert over.json()["error"]["field"] == "items"
        ok = await app.client.post("/v1/leads/enrich", json={"items": ["a.com"] * 2}, headers=headers)
        assert ok.status_code == 200
        ids = [str(uuid.uuid4()) for _ in range(3)]
        over = await app.client.post(
            "/v1/leads/score", json={"prompt": "food distributors", "lead_ids": ids}, headers=headers
        )
        assert over.status_code == 413
        assert over.json()["error"]["field"] == "lead_ids"

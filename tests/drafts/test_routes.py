"""POST /v1/leads/drafts on the real stack: drafts only above the threshold and with evidence, every
citation an existing snippet of the lead; the LLM path against a real loopback OpenAI-style server
(key rotation on 429, cost, fallback when the answer cites anything else)."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from tests.lists.conftest import ListsApp, open_lists_app
from tests.lists.test_score import make_icp
from tests.llm.fake_provider import fake_provider
from tests.workspaces.support import bearer, workspace_key

ITEMS = ["acme-foods.com", "globex-logistics.com", "https://initech.io", "unknown-firm.net", "x@yahoo.com"]


async def drafts(app: ListsApp, key: str, **body: Any) -> dict[str, Any]:
    response = await app.client.post("/v1/leads/drafts", json=body, headers=bearer(key))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def snippet_owners(engine: AsyncEngine, ids: list[str]) -> dict[str, str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT s.id, c.domain FROM snippets s JOIN companies c ON c.id = s.company_id WHERE s.id = ANY(:ids)"
            ),
            {"ids": ids},
        )
        return {r.id: r.domain for r in rows}


def citations(draft: dict[str, Any]) -> list[str]:
    return [*draft["subject_citations"], *(c for s in draft["sentences"] for c in s["citations"])]


async def test_deterministic_drafts_cite_only_the_leads_evidence(
    lists_app: ListsApp, search_key: str, engine: AsyncEngine
) -> None:
    icp_id = await make_icp(lists_app, search_key)
    body = await drafts(lists_app, search_key, icp_id=icp_id, items=ITEMS)
    acme, globex, initech, unknown, free = body["items"]
    assert body["metadata"]["threshold"] == 50
    assert body["metadata"]["drafts"] == 1
    assert body["metadata"]["llm_calls"] == 0

    draft = acme["draft"]
    assert acme["grade"] >= 50
    assert draft["writer"] == "deterministic"
    assert draft["word_count"] <= 120
    assert len(draft["body"].split()) == draft["word_count"]
    assert draft["body"] == " ".join(s["text"] for s in draft["sentences"])
    cited = citations(draft)
    assert cited
    owners = await snippet_owners(engine, cited)
    assert set(owners) == set(cited)  # every citation exists
    assert set(owners.values()) == {"acme-foods.com"}  # and belongs to the lead
    assert {e["snippet_id"] for e in acme["evidence"]} == set(cited)
    texts = {e["snippet_id"]: e["excerpt"] for e in acme["evidence"]}
    assert "Data Engineers" in draft["body"]
    assert any("Data Engineers" in texts[c] for c in cited)
    assert "temperature sensors" in draft["body"].lower()  # the seller's voice

    assert globex["skipped"] == "insufficient_evidence"
    assert globex["draft"] is None
    assert initech["skipped"] == "below_threshold"
    assert unknown["skipped"] == "not_found"
    assert free["reason"] == "free_mail"

    lower = await drafts(lists_app, search_key, icp_id=icp_id, items=["initech.io"], threshold=20)
    (item,) = lower["items"]
    assert item["draft"] is not None
    assert set((await snippet_owners(engine, citations(item["draft"]))).values()) == {"initech.io"}

    audit = await lists_app.client.get("/v1/audit", params={"action": "draft"}, headers=bearer(search_key))
    assert sorted(e["detail"]["domain"] for e in audit.json()["entries"]) == ["acme-foods.com", "initech.io"]
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT count(*) FROM drafts"))).scalar_one()
    assert stored == 2


async def test_other_workspace_and_validation(
    lists_app: ListsApp, search_key: str, engine: AsyncEngine, settings: Settings
) -> None:
    icp_id = await make_icp(lists_app, search_key)
    other = bearer(await workspace_key(engine, settings, "initech-sales", "search"))
    response = await lists_app.client.post(
        "/v1/leads/drafts", json={"icp_id": icp_id, "items": ITEMS}, headers=other
    )
    assert response.status_code == 404
    for bad in ({"icp_id": icp_id}, {"items": ITEMS}, {"icp_id": icp_id, "items": ITEMS, "threshold": 101}):
        response = await lists_app.client.post("/v1/leads/drafts", json=bad, headers=bearer(search_key))
        assert response.status_code == 422, bad


async def acme_snippets(engine: AsyncEngine) -> dict[str, str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT s.id, s.kind FROM snippets s JOIN companies c ON c.id = s.company_id WHERE c.domain = 'acme-foods.com'"
            )
        )
        return {r.kind: r.id for r in rows}


async def test_llm_writer_rotates_keys_counts_cost_and_stays_grounded(
    settings: Settings, clean_db: AsyncEngine, redis_client: Redis, engine: AsyncEngine
) -> None:
    with fake_provider() as (url, behaviour):
        overrides = {
            "llm_base_url": url,
            "llm_api_key": "sk-a",
            "llm_api_keys": "sk-b,sk-c",
            "llm_price_input_per_1k_tokens_usd": 0.001,
            "llm_price_output_per_1k_tokens_usd": 0.002,
            "llm_timeout_s": 5.0,
        }
        async with open_lists_app(settings, engine, **overrides) as app:
            key = await workspace_key(engine, settings, "acme-sales", "search")
            icp_id = await make_icp(app, key)
            ids = await acme_snippets(engine)
            behaviour.status_by_key = {"sk-a": 429}
            behaviour.answer = {
                "subject": "Your new Munich warehouse",
                "sentences": [
                    {
                        "text": "Congratulations on opening the Munich cold storage warehouse.",
                        "citations": [ids["news"]],
                    },
                    {"text": "Our sensors watch every fridge so nothing spoils.", "citations": []},
                ],
            }
            body = await drafts(app, key, icp_id=icp_id, items=["acme-foods.com"])
            (acme,) = body["items"]
            assert acme["draft"]["writer"] == "llm"
            assert acme["draft"]["sentences"][0]["citations"] == [ids["news"]]
            assert [e["snippet_id"] for e in acme["evidence"]] == [ids["news"]]
            assert [r["auth"] for r in behaviour.requests] == ["Bearer sk-a", "Bearer sk-b"]
            assert body["metadata"]["llm_calls"] == 2
            assert body["metadata"]["cost_usd"] >= 1000 * 0.001 / 1000 + 100 * 0.002 / 1000
            prompt = behaviour.requests[-1]["body"]["messages"][1]["content"]
            assert ids["news"] in prompt  # the model is given the evidence by id

            # An answer citing a snippet the lead does not have is not used.
            behaviour.requests.clear()
            behaviour.answer = {
                "subject": "Hello",
                "sentences": [{"text": "You raised a Series Z.", "citations": ["made-up-id"]}],
            }
            body = await drafts(app, key, icp_id=icp_id, items=["acme-foods.com"])
            (acme,) = body["items"]
            assert acme["draft"]["writer"] == "deterministic"
            assert behaviour.requests[0]["auth"] == "Bearer sk-b"  # the rotated key stays current
            assert set((await snippet_owners(engine, citations(acme["draft"]))).values()) == {
                "acme-foods.com"
            }

            # No usable evidence: no call, no draft.
            behaviour.requests.clear()
            body = await drafts(app, key, icp_id=icp_id, items=["globex-logistics.com"], threshold=0)
            assert body["items"][0]["draft"] is None
            assert behaviour.requests == []


async def test_llm_failures_fall_back_and_open_the_breaker(
    settings: Settings, clean_db: AsyncEngine, redis_client: Redis, engine: AsyncEngine
) -> None:
    with fake_provider() as (url, behaviour):
        behaviour.mode = "error"
        overrides = {
            "llm_base_url": url,
            "llm_api_key": "sk-only",
            "llm_breaker_failures": 1,
            "llm_timeout_s": 5.0,
        }
        async with open_lists_app(settings, engine, **overrides) as app:
            key = await workspace_key(engine, settings, "acme-sales", "search")
            icp_id = await make_icp(app, key)
            first = await drafts(app, key, icp_id=icp_id, items=["acme-foods.com"])
            assert first["items"][0]["draft"]["writer"] == "deterministic"
            assert first["metadata"]["llm_calls"] == 1
            assert len(behaviour.requests) == 1
            second = await drafts(app, key, icp_id=icp_id, items=["acme-foods.com"])
            assert second["items"][0]["draft"]["writer"] == "deterministic"
            assert second["metadata"]["llm_calls"] == 0  # the breaker is open: no call
            assert len(behaviour.requests) == 1

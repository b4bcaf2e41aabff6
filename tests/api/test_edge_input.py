"""Hostile input at the edge: NUL, lone surrogates, integers beyond int4, timestamps beyond the
calendar after the offset is applied, loose JSON types. Each answers 4xx naming the field (or a
per-item rejection in a batch), never a 500; valid items of the same batch are stored."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.ingest.factory import outcome, snippet
from tests.ingest.support import MakeKey

NUL = "\\u0000"
LONE = "\\udfff"


def raw_json(template: str, **escapes: str) -> bytes:
    """A JSON body with escapes (\\u0000, \\udfff) that json.dumps of a Python str could not carry."""
    return template.format(**escapes).encode()


async def post(client: httpx.AsyncClient, path: str, key: str, content: bytes) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    return await client.post(path, content=content, headers=headers)


SEARCH_CASES = [
    ('{{"prompt": "payroll{c} software"}}', "prompt"),
    (
        '{{"prompt": "payroll software", "filters": {{"exclude_domains": ["a{c}.com"]}}}}',
        "filters.exclude_domains.0",
    ),
    ('{{"prompt": "payroll software", "filters": {{"industries": ["x{c}"]}}}}', "filters.industries.0"),
    (
        '{{"prompt": "payroll software", "filters": {{"technologies": ["ok", "x{c}"]}}}}',
        "filters.technologies.1",
    ),
]


@pytest.mark.parametrize("char", [NUL, LONE])
@pytest.mark.parametrize(("template", "field"), SEARCH_CASES)
async def test_search_rejects_unstorable_text_naming_the_field(
    client: httpx.AsyncClient, make_key: MakeKey, template: str, field: str, char: str
) -> None:
    key = await make_key("search")
    response = await post(client, "/v1/leads/search", key, raw_json(template, c=char))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"employees_min": 2**31}, "filters.employees_min"),
        ({"employees_max": 2**31}, "filters.employees_max"),
        ({"employees_min": 2**64 + 1}, "filters.employees_min"),
        ({"employees_max": 10**40}, "filters.employees_max"),
    ],
)
async def test_search_bounds_integers_to_int32(
    client: httpx.AsyncClient, make_key: MakeKey, filters: dict[str, Any], field: str
) -> None:
    key = await make_key("search")
    # Built by hand: orjson refuses integers beyond 64 bits.
    (name, value), *_ = filters.items()
    body = f'{{"prompt": "payroll software", "filters": {{"{name}": {value}}}}}'.encode()
    response = await post(client, "/v1/leads/search", key, body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "payroll software", "k": "5"}, "k"),
        ({"prompt": "payroll software", "k": True}, "k"),
        ({"prompt": "payroll software", "explain": 0}, "explain"),
        ({"prompt": 12345}, "prompt"),
        (
            {"prompt": "payroll software", "filters": {"exclude_domains": ["x" * 300 + ".com"]}},
            "filters.exclude_domains.0",
        ),
    ],
)
async def test_search_types_are_strict(
    client: httpx.AsyncClient, make_key: MakeKey, body: dict[str, Any], field: str
) -> None:
    key = await make_key("search")
    response = await post(client, "/v1/leads/search", key, orjson.dumps(body))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


async def test_miner_id_with_nul_is_4xx(client: httpx.AsyncClient, make_key: MakeKey) -> None:
    key = await make_key("admin")
    response = await client.get("/v1/miners/a%00b", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "miner_id"


async def test_snippet_batch_rejects_bad_text_per_item_and_stores_the_rest(
    client: httpx.AsyncClient, make_key: MakeKey, engine: AsyncEngine
) -> None:
    key = await make_key("ingest")
    good = orjson.dumps(snippet(domain="acme.com")).decode()
    bad_url = orjson.dumps(snippet(domain="beta.io", source_url="https://beta.io/x")).decode()
    bad_url = bad_url.replace("https://beta.io/x", f"https://beta.io/{LONE}")
    bad_text = orjson.dumps(snippet(domain="gamma.io", text="Gamma hires engineers")).decode()
    bad_text = bad_text.replace("Gamma hires", f"Gamma{NUL} hires")
    extra = orjson.dumps({**snippet(domain="delta.io"), "note": "x"}).decode().replace('"x"', f'"{LONE}"')
    body = f'{{"snippets": [{bad_url}, {good}, {bad_text}, {extra}]}}'.encode()
    response = await post(client, "/v1/snippets", key, body)
    assert response.status_code == 202, response.text
    data = response.json()
    assert data["accepted"] == 1
    assert [(r["index"], r["field"], r["reason"]) for r in data["rejected"]] == [
        (0, "source_url", "invalid_text"),
        (2, "text", "invalid_text"),
        (3, "note", "invalid_text"),
    ]
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM snippets"))).scalar_one() == 1


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
async def test_timestamps_out_of_range_after_the_offset_are_rejected_per_item(
    client: httpx.AsyncClient, make_key: MakeKey, stamp: str
) -> None:
    key = await make_key("ingest")
    body = {"snippets": [snippet(domain="acme.com", observed_at=stamp), snippet(domain="beta.io")]}
    response = await post(client, "/v1/snippets", key, orjson.dumps(body))
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 1
    assert [(r["index"], r["field"]) for r in response.json()["rejected"]] == [(0, "observed_at")]
    events = {"outcomes": [{**outcome(domain="acme.com"), "occurred_at": stamp}]}
    answer = await post(client, "/v1/outcomes", key, orjson.dumps(events))
    assert answer.status_code == 202, answer.text
    assert [(r["index"], r["field"]) for r in answer.json()["rejected"]] == [(0, "occurred_at")]


async def test_negative_employees_are_still_rejected(client: httpx.AsyncClient, make_key: MakeKey) -> None:
    key = await make_key("search")
    body = orjson.dumps({"prompt": "payroll software", "filters": {"employees_min": -1}})
    response = await post(client, "/v1/leads/search", key, body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "filters.employees_min"

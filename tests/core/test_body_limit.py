"""Request body limits: 413 in the error shape, decided while reading (the rest is never read)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson

from tests.ingest.factory import snippet
from tests.ingest.support import MakeKey

MB = 1_000_000


def assert_413(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text[:200]
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.json()["error"]["field"] == "body"


async def test_search_body_over_1_mb_is_413(client: httpx.AsyncClient, make_key: MakeKey) -> None:
    key = await make_key("search")
    body = {
        "prompt": "payroll software",
        "filters": {"exclude_domains": [f"d{i}.com" for i in range(200_000)]},
    }
    response = await client.post("/v1/leads/search", json=body, headers={"Authorization": f"Bearer {key}"})
    assert_413(response)


async def test_snippet_batches_may_be_larger_but_not_over_8_mb(
    client: httpx.AsyncClient, make_key: MakeKey
) -> None:
    key = await make_key("ingest")
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    padded = [snippet(domain=f"d{i}.com", pad="x" * 4000) for i in range(400)]  # ~1.7 MB: allowed
    response = await client.post("/v1/snippets", content=orjson.dumps({"snippets": padded}), headers=headers)
    assert response.status_code == 202, response.text[:200]
    huge = orjson.dumps({"snippets": [snippet(pad="x" * 9 * MB)]})
    assert_413(await client.post("/v1/snippets", content=huge, headers=headers))


async def test_a_streamed_body_is_cut_off_while_reading(client: httpx.AsyncClient, make_key: MakeKey) -> None:
    key = await make_key("search")
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked, 20 MB in 64 KB pieces
        nonlocal sent
        yield b'{"prompt": "'
        for _ in range(20 * MB // 65536):
            sent += 65536
            yield b"x" * 65536
        yield b'"}'

    response = await client.post(
        "/v1/leads/search",
        content=chunks(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert_413(response)
    assert sent < 2 * MB  # the rest of the 20 MB was never read


async def test_small_bodies_pass(client: httpx.AsyncClient, make_key: MakeKey) -> None:
    key = await make_key("ingest")
    response = await client.post(
        "/v1/snippets", json={"snippets": [snippet()]}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 202
    assert response.json()["accepted"] == 1

"""Admission control: beyond `search_max_concurrency` uncached searches, a long wait is shed with a
retryable 503 instead of queueing without bound; cache hits are never shed."""

from __future__ import annotations

import asyncio

from app.core.config import Settings
from tests.conftest import app_client_for
from tools.ranker_world import World


async def test_overload_is_shed_with_a_retryable_503(
    world_db: World, ranker_settings: Settings, search_headers: dict[str, str]
) -> None:
    settings = ranker_settings.model_copy(
        update={"search_max_concurrency": 1, "search_queue_timeout_s": 0.001, "cache_ttl_s": 0}
    )
    async with app_client_for(settings) as client:
        bodies = [{"prompt": f"payroll software for clinics, variant {i}", "k": 10} for i in range(12)]
        answers = await asyncio.gather(
            *(client.post("/v1/leads/search", json=b, headers=search_headers) for b in bodies)
        )
    statuses = sorted(a.status_code for a in answers)
    assert 200 in statuses
    shed = [a for a in answers if a.status_code == 503]
    assert shed, statuses
    assert all(a.status_code in (200, 503) for a in answers)
    for answer in shed:
        assert answer.json()["error"]["code"] == "overloaded"
        assert answer.headers["Retry-After"] == "1"

"""The background loop runs its action repeatedly, survives an error, and stops cleanly."""

from __future__ import annotations

import asyncio

from app.core.periodic import Periodic


async def test_runs_repeatedly_survives_errors_and_stops() -> None:
    calls = 0
    fourth = asyncio.Event()

    async def action() -> None:
        nonlocal calls
        calls += 1
        if calls == 4:
            fourth.set()
        if calls == 2:
            raise RuntimeError("transient")

    loop = Periodic(name="test-loop", interval_s=0.01, action=action)
    loop.start()
    loop.start()  # idempotent
    await asyncio.wait_for(fourth.wait(), timeout=5)
    await loop.stop()
    seen = calls
    await asyncio.sleep(0.05)
    assert calls == seen  # stopped: no more runs
    await loop.stop()  # idempotent

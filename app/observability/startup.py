"""Startup hook of the observability component: multi-process check and the readiness gauge.

`readiness_check_ok{check}` is refreshed by probing the same checks as /readyz every
READINESS_PROBE_INTERVAL_S, so the "readiness failing" alert does not depend on who calls /readyz.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from app.api.state import AppState
from app.observability.meters import READINESS
from app.observability.multiproc import check_multiprocess
from app.observability.readiness import run_checks

logger = logging.getLogger(__name__)

READINESS_PROBE_INTERVAL_S = 15.0


async def probe_readiness_once(state: AppState) -> dict[str, bool]:
    results = await run_checks(state)
    for result in results:
        READINESS.labels(check=result.name).set(1 if result.ok else 0)
    return {r.name: r.ok for r in results}


async def _probe_forever(state: AppState, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)  # first probe after every startup hook has registered
        try:
            await probe_readiness_once(state)
        except Exception:
            logger.exception("readiness probe failed")


async def observability_hook(state: AppState) -> Callable[[], Awaitable[None]]:
    check_multiprocess(state.settings)
    task = asyncio.create_task(_probe_forever(state, READINESS_PROBE_INTERVAL_S), name="readiness-probe")

    async def cleanup() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return cleanup

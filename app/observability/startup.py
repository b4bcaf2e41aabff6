"""Startup hook of the observability component: multi-process check and the readiness gauge.

`readiness_check_ok{check}` is refreshed by probing the same checks as /readyz every
READINESS_PROBE_INTERVAL_S, so the "readiness failing" alert does not depend on who calls /readyz.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from app.core.clients import Cleanup, CoreClients
from app.core.periodic import cancel_and_wait
from app.observability.meters import READINESS
from app.observability.multiproc import check_multiprocess
from app.observability.readiness import Probe, run_checks

logger = logging.getLogger(__name__)

READINESS_PROBE_INTERVAL_S = 15.0


# The components' probes are read at each round: they register after this hook has started.
Probes = Callable[[], Sequence[Probe]]


async def probe_readiness_once(core: CoreClients, probes: Probes) -> dict[str, bool]:
    results = await run_checks(core, probes())
    for result in results:
        READINESS.labels(check=result.name).set(1 if result.ok else 0)
    return {r.name: r.ok for r in results}


async def _probe_forever(core: CoreClients, probes: Probes, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)  # first probe after every startup hook has registered
        try:
            await probe_readiness_once(core, probes)
        except Exception:
            logger.exception("readiness probe failed")


async def start_observability(core: CoreClients, *, probes: Probes) -> Cleanup:
    check_multiprocess(core.settings)
    task = asyncio.create_task(
        _probe_forever(core, probes, READINESS_PROBE_INTERVAL_S), name="readiness-probe"
    )

    async def cleanup() -> None:
        await cancel_and_wait(task)

    return cleanup

"""Dependency checks behind /readyz: each one named, timed and reported."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import text

from app.core.clients import CoreClients

logger = logging.getLogger(__name__)
CHECK_TIMEOUT_S = 1.0

# A named readiness check of a component: raises (or times out) when the component is not ready.
Probe = tuple[str, Callable[[], Awaitable[object]]]


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    latency_ms: float
    error: str | None = None


async def _timed(name: str, check: Callable[[], Awaitable[object]]) -> CheckResult:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT_S)
    except Exception as exc:
        # /readyz is open: the answer names the kind of failure only; the text (hosts, ports, SQL)
        # goes to the log.
        logger.warning("readiness check %s failed: %s: %s", name, type(exc).__name__, str(exc)[:300])
        return CheckResult(
            name=name,
            ok=False,
            latency_ms=(time.perf_counter() - started) * 1000,
            error="timeout" if isinstance(exc, TimeoutError) else type(exc).__name__,
        )
    return CheckResult(name=name, ok=True, latency_ms=(time.perf_counter() - started) * 1000)


async def run_checks(core: CoreClients, probes: Sequence[Probe] = ()) -> list[CheckResult]:
    async def postgres() -> None:
        async with core.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    checks: list[tuple[str, Callable[[], Awaitable[object]]]] = [("postgres", postgres)]
    redis = core.redis
    if redis is not None:

        async def ping_redis() -> None:
            await redis.ping()

        checks.append(("redis", ping_redis))
    kafka = core.kafka
    if kafka is not None:
        checks.append(("kafka", lambda: kafka.check(timeout_s=CHECK_TIMEOUT_S)))
    checks.extend(probes)
    return list(await asyncio.gather(*(_timed(name, fn) for name, fn in checks)))

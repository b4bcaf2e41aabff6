"""The ranker's startup hook: builds the lead index, loads the model, starts the refreshers."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from app.core.clients import Cleanup, CoreClients
from app.leads.cache import SearchCache
from app.leads.index import LeadIndex
from app.leads.models_registry import ModelManager
from app.leads.querylog import QueryLog
from app.leads.service import SearchService
from app.leads.snapshot import SnapshotError, SnapshotFollower, start_from_snapshot
from app.llm.client import LlmClient
from app.ranking.embedding import embed_query, load_embedder

logger = logging.getLogger(__name__)


@dataclass
class Ranker:
    """What routes reach as `RankerDep`; `/readyz` calls `readiness()`."""

    index: LeadIndex
    models: ModelManager
    cache: SearchCache
    service: SearchService
    llm: LlmClient | None

    async def readiness(self) -> None:
        """Raises when the index was never built (the Redis check is /readyz's own)."""
        if self.index.last_refresh_ok is None:
            raise RuntimeError("lead index not built yet")

    def describe(self) -> dict[str, Any]:
        return {
            "companies": self.index.store.size,
            "model_version": self.models.current.version,
            "model_error": self.models.last_error,
            "redis_cache": "up"
            if self.cache.redis_ok
            else ("disabled" if self.cache.redis is None else "down"),
        }


async def _start_index(index: LeadIndex, snapshot_root: Path | None) -> None:
    """From the snapshot under `snapshot_root` when there is a usable one, else from PostgreSQL."""
    if snapshot_root is not None:
        try:
            if await start_from_snapshot(index, snapshot_root):
                return
            logger.warning("no index snapshot under %s yet: building from PostgreSQL", snapshot_root)
        except (SnapshotError, OSError, ValueError, KeyError):
            logger.exception("index snapshot under %s unusable: building from PostgreSQL", snapshot_root)
    await index.build()


async def start_ranker(core: CoreClients) -> tuple[Ranker, Cleanup]:
    settings = core.settings
    if settings.search_blas_threads > 0:
        # Process-wide, for every later numpy product (features, exact filtered ANN).
        threadpool_limits(limits=settings.search_blas_threads, user_api="blas")
    embedder = await asyncio.to_thread(load_embedder, settings)
    # The prompt encoder's model (MiniLM's ONNX session, when it is the transformer) loads now, not
    # in the first search.
    await asyncio.to_thread(embed_query, embedder, "warm up")
    index = LeadIndex(
        sessionmaker=core.sessionmaker,
        embedder=embedder,
        refresh_interval_s=settings.index_refresh_interval_s,
    )
    await _start_index(index, settings.index_snapshot_dir)
    follower = None
    if settings.index_snapshot_dir is not None and settings.index_snapshot_poll_s > 0:
        follower = SnapshotFollower(
            index=index, root=settings.index_snapshot_dir, interval_s=settings.index_snapshot_poll_s
        )
    models = await ModelManager.open(
        sessionmaker=core.sessionmaker,
        model_dir=settings.model_dir,
        poll_interval_s=settings.model_poll_interval_s,
    )
    if settings.ranker_require_model and models.current.booster is None:
        raise RuntimeError(f"no usable ranker model in the registry: {models.last_error}")
    cache = SearchCache(
        redis=core.redis,
        ttl_s=settings.cache_ttl_s,
        local_max_entries=settings.cache_local_max_entries,
        local_max_bytes=settings.cache_local_max_bytes,
    )
    llm = LlmClient(settings) if settings.llm_enabled else None
    query_log = QueryLog(sessionmaker=core.sessionmaker)
    service = SearchService(
        settings=settings,
        index=index,
        models=models,
        cache=cache,
        llm=llm,
        query_log=query_log,
        engine=core.engine,
    )
    ranker = Ranker(index=index, models=models, cache=cache, service=service, llm=llm)
    index.start()
    if follower is not None:
        follower.start()
    models.start()
    query_log.start()

    async def cleanup() -> None:
        if follower is not None:
            await follower.stop()
        await index.stop()
        await models.stop()
        await query_log.stop()
        if llm is not None:
            await llm.aclose()

    return ranker, cleanup

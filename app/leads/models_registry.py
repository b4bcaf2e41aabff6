"""The active reranker: loaded from the `models` registry, hot-swapped when the active row changes.

A corrupt, tampered or mismatched artifact is refused (logged, kept in `last_error`) and the
previous model keeps serving. Before any registry row is active, the bundled default
(`models/ranker/DEFAULT.json`: version, file, sha256; written by scripts/train_ranker.py) serves;
without a usable default, a hand-weighted fallback does.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.periodic import Periodic
from app.leads.tables import ModelVersion
from app.observability.meters import MODEL_INFO
from app.ranking.reranker import ArtifactError, Reranker, heuristic_reranker, load_artifact

logger = logging.getLogger(__name__)
DEFAULT_MANIFEST = "DEFAULT.json"


class ModelManager:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        model_dir: Path,
        poll_interval_s: float,
        current: Reranker | None = None,
    ) -> None:
        """Serves `current`, else the bundled default (read and compiled here: seconds of CPU)."""
        self.sessionmaker = sessionmaker
        self.model_dir = model_dir
        self.poll_interval_s = poll_interval_s
        self.last_error: str | None = None
        self.current: Reranker = self._bundled_default() if current is None else current
        self._refused: set[tuple[str, str]] = set()
        self._periodic = Periodic(name="ranker-model-poll", interval_s=self.poll_interval_s, action=self.poll)
        self._publish()

    @classmethod
    async def open(
        cls, *, sessionmaker: async_sessionmaker[AsyncSession], model_dir: Path, poll_interval_s: float
    ) -> ModelManager:
        """A manager on the registry's active model when there is one it accepts, else on the bundled
        default: one model read and compiled at start (not the default, then the registry's), each
        off the event loop."""
        manager = cls(
            sessionmaker=sessionmaker,
            model_dir=model_dir,
            poll_interval_s=poll_interval_s,
            current=heuristic_reranker(),
        )
        try:
            from_registry = await manager.poll()
        except Exception:
            logger.exception("model registry unavailable at start")
            from_registry = False
        if not from_registry:
            error = manager.last_error
            manager.current = await asyncio.to_thread(manager._bundled_default)
            manager.last_error = manager.last_error or error
            manager._publish()
        logger.info("serving ranker model %s", manager.current.version)
        return manager

    def _bundled_default(self) -> Reranker:
        manifest = self.model_dir / "ranker" / DEFAULT_MANIFEST
        try:
            data = json.loads(manifest.read_text())
            return load_artifact(
                self.model_dir / "ranker" / str(data["file"]),
                expected_sha256=str(data["sha256"]),
                expected_version=str(data["version"]),
            )
        except FileNotFoundError:
            return heuristic_reranker()
        except (ArtifactError, ValueError, KeyError, TypeError) as exc:
            self.last_error = f"bundled default refused: {exc}"
            logger.error("%s; serving the heuristic ranker", self.last_error)
            return heuristic_reranker()

    def _publish(self) -> None:
        MODEL_INFO.info({"version": self.current.version})

    def resolve(self, path: str) -> Path:
        p = Path(path)
        return p if p.is_absolute() else self.model_dir / p

    async def poll(self) -> bool:
        """Check the registry once; returns True when a new model was swapped in."""
        async with self.sessionmaker() as session:
            row = (
                await session.execute(
                    select(ModelVersion.version, ModelVersion.path, ModelVersion.sha256).where(
                        ModelVersion.active.is_(True)
                    )
                )
            ).first()
        if row is None or row.version == self.current.version:
            return False
        key = (row.version, row.sha256)
        if key in self._refused:
            return False
        try:
            model = await asyncio.to_thread(
                load_artifact,
                self.resolve(row.path),
                expected_sha256=row.sha256,
                expected_version=row.version,
            )
        except ArtifactError as exc:
            self._refused.add(key)
            self.last_error = str(exc)
            logger.error("refusing model %s, keeping %s: %s", row.version, self.current.version, exc)
            return False
        logger.info("ranker model %s -> %s", self.current.version, model.version)
        self.current = model
        self.last_error = None
        self._publish()
        return True

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()

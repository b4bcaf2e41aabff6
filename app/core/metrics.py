"""Prometheus exposition; aggregates every worker's files when running multi-process."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

from app.core.config import Settings


def render_metrics(settings: Settings) -> bytes:
    if settings.prometheus_multiproc_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=settings.prometheus_multiproc_dir)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)

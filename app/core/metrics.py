"""Prometheus exposition; aggregates every worker's files when running multi-process."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

from app.core.config import Settings


def metrics_registry(settings: Settings) -> CollectorRegistry:
    """Every worker's meters when running multi-process, else this process's registry."""
    if settings.prometheus_multiproc_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=settings.prometheus_multiproc_dir)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def render_metrics(settings: Settings) -> bytes:
    return generate_latest(metrics_registry(settings))

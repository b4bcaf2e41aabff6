"""prometheus_client multi-process mode (several uvicorn workers behind one /metrics).

prometheus_client decides at import time, from the PROMETHEUS_MULTIPROC_DIR environment variable,
whether meters write to per-process mmap files in that folder. `Settings.prometheus_multiproc_dir`
reads the same variable, and `app.core.metrics.render_metrics` aggregates the folder's files.
Deployment rules:
- the folder must exist, be writable and be EMPTY when the first worker starts (Kubernetes: an
  `emptyDir` volume; locally: call `prepare_multiproc_dir` before starting uvicorn);
- the variable must be in the real process environment (a `.env` file is read by Settings only,
  too late for prometheus_client): `check_multiprocess` refuses that half-configured state.
Counters and histograms are summed over workers; each gauge declares its own `multiprocess_mode`
in app.observability.meters.
"""

from __future__ import annotations

import logging
from pathlib import Path

from prometheus_client import values

from app.core.config import Settings

logger = logging.getLogger(__name__)


def multiprocess_active() -> bool:
    """True when prometheus_client was imported in multi-process mode (values go to mmap files)."""
    return values.ValueClass is not values.MutexValue


def prepare_multiproc_dir(path: str | Path) -> Path:
    """Create the folder and delete stale `*.db` files of a previous run. Call before workers start."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    return folder


def check_multiprocess(settings: Settings) -> None:
    """Fail fast on a configuration that would silently lose or duplicate metrics."""
    configured = bool(settings.prometheus_multiproc_dir)
    if configured and not multiprocess_active():
        raise RuntimeError(
            "PROMETHEUS_MULTIPROC_DIR is set in Settings but prometheus_client is not in multi-process "
            "mode: export it in the process environment (not only in .env) before Python starts"
        )
    if configured and not Path(settings.prometheus_multiproc_dir).is_dir():
        raise RuntimeError(f"PROMETHEUS_MULTIPROC_DIR={settings.prometheus_multiproc_dir} is not a directory")
    if not configured and settings.web_concurrency > 1:
        logger.warning(
            "WEB_CONCURRENCY=%d without PROMETHEUS_MULTIPROC_DIR: /metrics shows one worker's meters only",
            settings.web_concurrency,
        )

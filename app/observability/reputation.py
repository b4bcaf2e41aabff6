"""Miner reputation export without miner ids.

`/metrics` is unauthenticated: it carries only aggregates over every active miner,
`miner_reputation_min` and `miners_by_reputation{band}`. Per-miner figures are served to admins by
GET /v1/miners. The ingestion side calls `publish_reputations(...)` after it recomputes reputations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.observability.meters import MINER_REPUTATION_MIN, MINERS_BY_REPUTATION, REPUTATION_BANDS


def reputation_band(value: float) -> str:
    """The REPUTATION_BANDS label for a reputation in [0, 1] (clamped)."""
    index = min(len(REPUTATION_BANDS) - 1, max(0, int(value * len(REPUTATION_BANDS))))
    return REPUTATION_BANDS[index]


@dataclass(frozen=True, slots=True)
class ReputationExport:
    minimum: float | None
    bands: dict[str, int]


def summarize_reputations(reputations: Mapping[str, float]) -> ReputationExport:
    """Pure: the aggregates over every miner."""
    bands = dict.fromkeys(REPUTATION_BANDS, 0)
    for value in reputations.values():
        bands[reputation_band(value)] += 1
    return ReputationExport(minimum=min(reputations.values()) if reputations else None, bands=bands)


def publish_reputations(reputations: Mapping[str, float]) -> ReputationExport:
    export = summarize_reputations(reputations)
    if export.minimum is not None:
        MINER_REPUTATION_MIN.set(export.minimum)
    for band, count in export.bands.items():
        MINERS_BY_REPUTATION.labels(band=band).set(count)
    return export

"""Miner reputation export with bounded cardinality.

`miner_reputation{miner}` carries the TOP_MINERS miners by volume plus `miner="other"` holding the
LOWEST reputation among the rest (so `min(miner_reputation)` is the minimum over every miner);
`miner_reputation_min` and `miners_by_reputation{band}` cover every active miner. The ingestion
side calls `publish_reputations(...)` after it recomputes reputations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.observability.meters import (
    MINER_REPUTATION,
    MINER_REPUTATION_MIN,
    MINERS_BY_REPUTATION,
    REPUTATION_BANDS,
)

TOP_MINERS = 20
OTHER = "other"

_published: set[str] = set()


def reputation_band(value: float) -> str:
    """The REPUTATION_BANDS label for a reputation in [0, 1] (clamped)."""
    index = min(len(REPUTATION_BANDS) - 1, max(0, int(value * len(REPUTATION_BANDS))))
    return REPUTATION_BANDS[index]


@dataclass(frozen=True, slots=True)
class ReputationExport:
    labelled: dict[str, float]  # miner label -> value, at most TOP_MINERS + 1 entries
    minimum: float | None
    bands: dict[str, int]


def summarize_reputations(
    reputations: Mapping[str, float], *, volumes: Mapping[str, int] | None = None, top: int = TOP_MINERS
) -> ReputationExport:
    """Pure: choose the labelled miners (top by volume, ties by id) and the aggregates."""
    volumes = volumes or {}
    ranked = sorted(reputations, key=lambda miner: (-volumes.get(miner, 0), miner))
    labelled = {miner: reputations[miner] for miner in ranked[:top]}
    rest = [reputations[miner] for miner in ranked[top:]]
    if rest:
        labelled[OTHER] = min(rest)
    bands = dict.fromkeys(REPUTATION_BANDS, 0)
    for value in reputations.values():
        bands[reputation_band(value)] += 1
    return ReputationExport(
        labelled=labelled, minimum=min(reputations.values()) if reputations else None, bands=bands
    )


def publish_reputations(
    reputations: Mapping[str, float], *, volumes: Mapping[str, int] | None = None, top: int = TOP_MINERS
) -> ReputationExport:
    export = summarize_reputations(reputations, volumes=volumes, top=top)
    for gone in _published - export.labelled.keys():
        MINER_REPUTATION.remove(gone)
    for miner, value in export.labelled.items():
        MINER_REPUTATION.labels(miner=miner).set(value)
    _published.clear()
    _published.update(export.labelled)
    if export.minimum is not None:
        MINER_REPUTATION_MIN.set(export.minimum)
    for band, count in export.bands.items():
        MINERS_BY_REPUTATION.labels(band=band).set(count)
    return export

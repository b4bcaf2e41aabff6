"""The teacher: a slower, stronger offline scorer of (prompt, company) pairs.

teacher = semantic x fit x (1 - 0.8 x seller share), where
- semantic: snippet-level MiniLM (transformer, int8 ONNX) matching of the prompt against every
  signal snippet of the company, centred, sum over snippets of max(0, cos - 0.2) x recency;
- fit: the exact profile against the parsed targets (size, industry, country);
- seller share: the part of the semantic match carried by seller-language snippets (vendors).
No hidden truth is read. MiniLM snippet vectors are cached under .dev/cache/ (about 40 snippets/s
on this machine: the tiny world's 11k snippets take ~5 minutes once).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.core.config import REPO_ROOT, Settings
from app.ranking.columns import LeadStore
from app.ranking.embedding import OnnxMiniLMEmbedder, StaticTable, l2_normalise, static_table_path
from app.ranking.features import COLUMN
from app.ranking.signals import recency, seller_language
from tools.ranker_world import OfflineIndex

TAU = 0.2
CACHE = REPO_ROOT / ".dev" / "cache"


@dataclass
class TeacherData:
    vectors: npt.NDArray[np.float32]  # (snippets, 384) centred MiniLM
    owner: npt.NDArray[np.int64]  # store row of each snippet
    weight: npt.NDArray[np.float32]  # recency of signal snippets, 0 for profile text
    seller: npt.NDArray[np.float32]
    model: OnnxMiniLMEmbedder


def cached_vectors(
    embed: Callable[[list[str]], npt.NDArray[np.float32]],
    texts: Sequence[str],
    tag: str,
    *,
    model: str = "minilm",
    dim: int = 384,
) -> npt.NDArray[np.float32]:
    """`embed`'s vectors of `texts` (a `model`'s, `dim` wide), cached under .dev/cache/ by model, tag
    and content digest."""
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"teacher-{model}-{tag}-{digest}.npy"
    if path.exists():
        cached: npt.NDArray[np.float32] = np.load(path).astype(np.float32)
        return cached
    print(f"teacher: embedding {len(texts)} texts with {model} (cached at {path})", flush=True)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # batches of similar length: less padding
    raw = np.zeros((len(texts), dim), dtype=np.float32)
    if texts:
        raw[order] = embed([texts[i] for i in order])
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, raw)
    return raw


def cached_minilm_vectors(
    model: OnnxMiniLMEmbedder, texts: Sequence[str], tag: str
) -> npt.NDArray[np.float32]:
    """Raw 384-d MiniLM vectors of `texts`, cached under .dev/cache/ by tag and content digest."""
    return cached_vectors(model.embed_raw, texts, tag)


def build_teacher(
    index: OfflineIndex,
    records_snippets: Sequence[tuple[int, str, str, datetime]],
    *,
    now: datetime,
    settings: Settings,
    tag: str,
) -> TeacherData:
    """`records_snippets`: (store row, kind, text, observed_at) of every usable snippet."""
    table = StaticTable.load(static_table_path(settings.model_dir))
    model = OnnxMiniLMEmbedder(table, threads=2, batch_size=64)
    texts = [t for _, _, t, _ in records_snippets]
    raw = cached_minilm_vectors(model, texts, tag)
    center = table.minilm_center if table.minilm_center is not None else np.zeros(raw.shape[1], np.float32)
    vectors = l2_normalise(raw - center)
    owner = np.array([r for r, _, _, _ in records_snippets], dtype=np.int64)
    weight = np.array(
        [0.0 if k == "profile" else recency(ts, now) for _, k, _, ts in records_snippets], dtype=np.float32
    )
    seller = np.array(
        [seller_language(t, index.store.names[r]) for r, _, t, _ in records_snippets], dtype=np.float32
    )
    return TeacherData(vectors, owner, weight, seller, model)


class Teacher:
    def __init__(self, data: TeacherData, store: LeadStore) -> None:
        self.data = data
        self.store = store
        order = np.argsort(data.owner, kind="stable")
        self._order = order
        self._bounds = np.searchsorted(data.owner[order], np.arange(store.size + 1))

    def prompt_vector(self, text: str) -> npt.NDArray[np.float32]:
        table = self.data.model._table
        raw = self.data.model.embed_raw([text])
        center = table.minilm_center if table.minilm_center is not None else 0.0
        vector: npt.NDArray[np.float32] = l2_normalise(raw - center)[0]
        return vector

    def scores(
        self,
        prompt_vec: npt.NDArray[np.float32],
        rows: npt.NDArray[np.int64],
        features: npt.NDArray[np.float32],
    ) -> npt.NDArray[np.float64]:
        out = np.zeros(len(rows), dtype=np.float64)
        for i, row in enumerate(rows.tolist()):
            idx = self._order[self._bounds[row] : self._bounds[row + 1]]
            if len(idx) == 0:
                continue
            sims = self.data.vectors[idx] @ prompt_vec
            mass = np.maximum(sims - TAU, 0.0) * self.data.weight[idx]
            total = float(mass.sum())
            if total <= 0:
                continue
            seller_share = float((mass * self.data.seller[idx]).sum()) / total
            out[i] = total * (1.0 - 0.8 * seller_share)
        c = COLUMN
        fit = features[:, c["size_fit"]] * np.where(features[:, c["industry_match"]] == 0, 0.4, 1.0)
        fit = fit * np.where(features[:, c["country_match"]] == 0, 0.3, 1.0) / 0.5
        return out * np.clip(fit, 0.0, 2.0)


def teacher_for(index: OfflineIndex, *, now: datetime, settings: Settings, tag: str) -> Teacher:
    store = index.store
    items: list[tuple[int, str, str, datetime]] = []
    for row in range(store.size):
        for s in index.snippets_of(row):
            items.append((row, s.kind, s.text, s.observed_at))
    return Teacher(build_teacher(index, items, now=now, settings=settings, tag=tag), store)


def cache_dir() -> Path:
    return CACHE

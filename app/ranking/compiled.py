"""LightGBM forests compiled to native code (lleaves: the text model -> LLVM IR -> machine code).

`compile_forest(booster)` compiles whatever model file the booster holds (any number of trees,
leaves, objective), then checks it against the booster on a probe that reaches both sides of every
split of the model (each threshold, just below and just above it, and random rows around them). It
returns None, and the caller keeps predicting with LightGBM, when lleaves is not installed, the
model does not compile, or one probe score differs by more than `TOLERANCE`. The compiled forest
computes what `booster.predict(x)` computes (the objective's transform included) on float64
inputs; predicting 500 rows of a 150-tree model takes ~0.35 ms instead of ~3 ms.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

TOLERANCE = 1e-9  # absolute, on the booster's output scale
KEPT_MODELS = 4  # compiled forests and tables kept per process, by model text (reloads, app restarts)
# LightGBM reads |x| <= 1e-35f as zero (its kZeroThreshold, the threshold of a split between negative
# values and zero is -1e-35f): the compiled forest compares raw values, so they are zeroed first.
ZERO_THRESHOLD = float(np.float32(1e-35))
PROBE_RANDOM_ROWS = 256


class CompiledForest:
    """A compiled forest: `predict(features)` = `booster.predict(features)` (float64)."""

    def __init__(self, model: Any, n_features: int) -> None:
        self._model = model  # lleaves.Model; keeps the machine code alive
        self.n_features = n_features

    def predict(self, features: npt.NDArray[np.float32] | npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if len(features) == 0:
            return np.zeros(0, dtype=np.float64)
        data = np.array(features, dtype=np.float64, order="C")
        data[np.abs(data) <= ZERO_THRESHOLD] = 0.0
        return np.asarray(self._model.predict(data, n_jobs=1), dtype=np.float64)


def split_thresholds(model_text: str, n_features: int) -> list[list[float]]:
    """The numeric thresholds the model splits each feature at (from the LightGBM text model;
    categorical splits, bit 0 of `decision_type`, are left out)."""
    out: list[set[float]] = [set() for _ in range(n_features)]
    tree: dict[str, list[str]] = {}
    for line in [*model_text.splitlines(), "Tree=end"]:
        key, _, value = line.partition("=")
        if key in {"Tree", "end of trees"}:
            features = tree.get("split_feature", [])
            thresholds = tree.get("threshold", [])
            kinds = tree.get("decision_type", ["0"] * len(features))
            for f, t, kind in zip(features, thresholds, kinds, strict=False):
                if 0 <= int(f) < n_features and not int(kind) & 1:
                    out[int(f)].add(float(t))
            tree = {}
        elif key in ("split_feature", "threshold", "decision_type"):
            tree[key] = value.split()
    return [sorted(s) for s in out]


def parity_probe(model_text: str, n_features: int, *, seed: int = 0) -> npt.NDArray[np.float64]:
    """Rows that take both branches of every numeric split: per threshold t a row at t, one just
    below and one just above (other features 0), then random rows drawn from every feature's
    thresholds, their neighbours, zero and NaN (missing)."""
    rng = np.random.default_rng(seed)
    thresholds = split_thresholds(model_text, n_features)
    rows: list[npt.NDArray[np.float64]] = [np.zeros(n_features)]
    pools: list[npt.NDArray[np.float64]] = []
    for f, ts in enumerate(thresholds):
        values = [0.0, float("nan")]
        for t in ts:
            for v in (t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf), t - 1e-3, t + 1e-3):
                row = np.zeros(n_features)
                row[f] = v
                rows.append(row)
                values.append(float(v))
        pools.append(np.array(values))
    random_rows = (
        np.stack([rng.choice(pool, size=PROBE_RANDOM_ROWS) for pool in pools], axis=1)
        if pools
        else np.zeros((0, n_features))
    )
    return np.vstack([np.vstack(rows), random_rows])


def _compile_forest(booster: Any) -> CompiledForest | None:
    try:
        import lleaves  # noqa: PLC0415 - optional at run time: without it LightGBM predicts
    except ImportError:
        logger.info("lleaves is not installed: the reranker predicts with LightGBM")
        return None
    text = booster.model_to_string()
    n_features = int(booster.num_feature())
    try:
        with tempfile.TemporaryDirectory(prefix="leadpoet-forest-") as tmp:
            path = Path(tmp) / "model.txt"
            path.write_text(text)
            model = lleaves.Model(model_file=str(path))
            model.compile()
        forest = CompiledForest(model, n_features)
        probe = parity_probe(text, n_features)
        expected = np.asarray(booster.predict(probe, num_threads=1), dtype=np.float64)
        got = forest.predict(probe)
    except Exception as exc:  # any failure of the optional compiler means "use LightGBM"
        logger.warning("the reranker's trees did not compile (%s): predicting with LightGBM", exc)
        return None
    worst = float(np.max(np.abs(got - expected))) if len(probe) else 0.0
    if got.shape != expected.shape or not worst <= TOLERANCE:
        logger.warning(
            "compiled trees differ from LightGBM by %.3g on the parity probe: predicting with LightGBM", worst
        )
        return None
    return forest


# --- per-feature contributions (SHAP) from a table -------------------------------------------------
# A tree's path-dependent SHAP values depend on a row only through the interval its value of each
# split feature falls in between that tree's thresholds on the feature. For small trees the classes
# (the product of every split feature's interval count) are few: 64 at most for 7 leaves.
MAX_TABLE_ROWS = 262_144  # classes over all trees; more (big trees), and LightGBM computes them


class ContributionTable:
    """`contributions(x)` = `booster.predict(x, pred_contrib=True)`, by table look-up: LightGBM's
    own per-tree values for one representative row of each class, summed over the trees."""

    def __init__(
        self,
        *,
        split_feature: npt.NDArray[np.int64],
        split_threshold: npt.NDArray[np.float64],
        split_pair: npt.NDArray[np.int64],
        pair_stride: npt.NDArray[np.int64],
        pair_tree: npt.NDArray[np.int64],
        tree_offset: npt.NDArray[np.int64],
        table: npt.NDArray[np.float64],
    ) -> None:
        # Splits are grouped by (tree, feature) pair and pairs by tree, in order.
        self.split_feature = split_feature  # (S,) feature of each split of every tree
        self.split_threshold = split_threshold  # (S,)
        self._pair_start = np.flatnonzero(np.diff(split_pair, prepend=-1))  # (P,) first split of a pair
        self.pair_stride = pair_stride  # (P,) the pair's stride in its tree's class index
        self._tree_start = np.flatnonzero(np.diff(pair_tree, prepend=-1))  # first pair of a tree
        self._split_trees = pair_tree[self._tree_start]  # the trees that split (a stump has 1 class)
        self.tree_offset = tree_offset  # (T,) first row of each tree's classes in `table`
        # Stored compactly: per tree only the columns it splits on and the bias (the last column).
        self.width = table.shape[1]
        columns = [
            np.flatnonzero(np.any(table[a:b] != 0, axis=0)) for a, b in _spans(tree_offset, len(table))
        ]
        k = max((len(c) for c in columns), default=0)
        self.columns = np.full((len(tree_offset), k), self.width - 1, dtype=np.int64)  # (T, K)
        self.values = np.zeros((len(table), k))  # (classes, K)
        for t, ((a, b), cols) in enumerate(zip(_spans(tree_offset, len(table)), columns, strict=True)):
            self.columns[t, : len(cols)] = cols
            self.values[a:b, : len(cols)] = table[a:b, cols]

    def contributions(
        self, features: npt.NDArray[np.float32] | npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        data = np.nan_to_num(np.asarray(features, dtype=np.float64), nan=0.0)  # LightGBM: missing -> 0
        data[np.abs(data) <= ZERO_THRESHOLD] = 0.0
        n = len(data)
        cls = np.zeros((n, len(self.tree_offset)), dtype=np.int64)  # (n, T): the row's class per tree
        if len(self._tree_start) and n:
            above = (data[:, self.split_feature] > self.split_threshold).astype(np.int64)  # (n, S)
            interval = np.add.reduceat(above, self._pair_start, axis=1)  # (n, P): thresholds below
            cls[:, self._split_trees] = np.add.reduceat(interval * self.pair_stride, self._tree_start, axis=1)
        values = self.values[cls + self.tree_offset]  # (n, T, K)
        index = np.arange(n)[:, None, None] * self.width + self.columns[None, :, :]
        out = np.bincount(index.ravel(), weights=values.ravel(), minlength=n * self.width)
        return np.asarray(out, dtype=np.float64).reshape(n, self.width)


def _spans(offsets: npt.NDArray[np.int64], end: int) -> list[tuple[int, int]]:
    bounds = [*offsets.tolist(), end]
    return list(itertools.pairwise(bounds))


def _tree_splits(model_text: str) -> list[list[tuple[int, float, int]]] | None:
    """Per tree its splits as (feature, threshold, decision_type); None if the text has none."""
    trees: list[list[tuple[int, float, int]]] = []
    tree: dict[str, list[str]] = {}
    seen = False
    for line in [*model_text.splitlines(), "Tree=end"]:
        key, _, value = line.partition("=")
        if key in {"Tree", "end of trees"}:
            if seen:
                features = [int(v) for v in tree.get("split_feature", [])]
                thresholds = [float(v) for v in tree.get("threshold", [])]
                kinds = [int(v) for v in tree.get("decision_type", [])]
                trees.append(list(zip(features, thresholds, kinds, strict=True)))
            seen, tree = key == "Tree", {}
        elif key in ("split_feature", "threshold", "decision_type"):
            tree[key] = value.split()
    return trees or None


def _build_contribution_table(booster: Any, *, max_rows: int = MAX_TABLE_ROWS) -> ContributionTable | None:
    """The table of `booster` (one LightGBM call per tree), or None: categorical or missing-value
    splits, several models per iteration, more than `max_rows` classes, or any difference from
    LightGBM's contributions on the parity probe."""
    text = booster.model_to_string()
    n_features = int(booster.num_feature())
    trees = _tree_splits(text)
    if trees is None or int(booster.num_model_per_iteration()) != 1 or len(trees) != booster.num_trees():
        return None
    if any(kind & ~2 for splits in trees for _, _, kind in splits):  # only numeric, missing type None
        return None
    split_feature: list[int] = []
    split_threshold: list[float] = []
    split_pair: list[int] = []
    pair_stride: list[int] = []
    pair_tree: list[int] = []
    offsets: list[int] = []
    blocks: list[npt.NDArray[np.float64]] = []
    total = 0
    for t, splits in enumerate(trees):
        by_feature: dict[int, list[float]] = {}
        for f, threshold, _ in splits:
            by_feature.setdefault(f, []).append(threshold)
        features = sorted(by_feature)
        grids, stride = [], 1
        strides = []
        for f in features:
            ts = sorted(set(by_feature[f]))
            pair = len(pair_stride)
            for threshold in ts:
                split_feature.append(f)
                split_threshold.append(threshold)
                split_pair.append(pair)
            pair_stride.append(stride)
            pair_tree.append(t)
            strides.append(stride)
            reps = [ts[0] - 1.0] + [(a + b) / 2 for a, b in itertools.pairwise(ts)] + [ts[-1] + 1.0]
            grids.append(reps)
            stride *= len(reps)
        total += stride
        if total > max_rows:
            return None
        rows = np.zeros((stride, n_features))
        for f, reps, s in zip(features, grids, strides, strict=True):
            rows[:, f] = np.asarray(reps)[(np.arange(stride) // s) % len(reps)]
        offsets.append(total - stride)
        blocks.append(
            np.asarray(
                booster.predict(rows, pred_contrib=True, start_iteration=t, num_iteration=1, num_threads=1)
            )
        )
    table = ContributionTable(
        split_feature=np.asarray(split_feature, dtype=np.int64),
        split_threshold=np.asarray(split_threshold, dtype=np.float64),
        split_pair=np.asarray(split_pair, dtype=np.int64),
        pair_stride=np.asarray(pair_stride, dtype=np.int64),
        pair_tree=np.asarray(pair_tree, dtype=np.int64),
        tree_offset=np.asarray(offsets, dtype=np.int64),
        table=np.vstack(blocks),
    )
    probe = parity_probe(text, n_features)
    expected = np.asarray(booster.predict(probe, pred_contrib=True, num_threads=1), dtype=np.float64)
    got = table.contributions(probe)
    if got.shape != expected.shape or not float(np.max(np.abs(got - expected))) <= TOLERANCE:
        logger.warning("the contribution table differs from LightGBM's: LightGBM computes them")
        return None
    return table


# --- memoised by model text: a process loading the same model again (a registry poll, another app
# instance in the same process) reuses the machine code and the table instead of rebuilding them.
_kept: OrderedDict[tuple[str, str], object] = OrderedDict()
_kept_lock = threading.Lock()


def _memoised(kind: str, booster: Any, build: Callable[[], object]) -> object:
    key = (kind, hashlib.sha256(booster.model_to_string().encode()).hexdigest())
    with _kept_lock:
        if key in _kept:
            _kept.move_to_end(key)
            return _kept[key]
    built = build()
    with _kept_lock:
        _kept[key] = built
        while len(_kept) > KEPT_MODELS * 2:
            _kept.popitem(last=False)
    return built


def compile_forest(booster: Any) -> CompiledForest | None:
    """The booster's model compiled and checked against it, or None (the caller keeps LightGBM)."""
    forest = _memoised("forest", booster, lambda: _compile_forest(booster))
    return forest if isinstance(forest, CompiledForest) else None


def build_contribution_table(booster: Any, *, max_rows: int = MAX_TABLE_ROWS) -> ContributionTable | None:
    """The contribution table of `booster`, or None (LightGBM computes the contributions)."""
    if max_rows != MAX_TABLE_ROWS:
        return _build_contribution_table(booster, max_rows=max_rows)
    table = _memoised("table", booster, lambda: _build_contribution_table(booster))
    return table if isinstance(table, ContributionTable) else None

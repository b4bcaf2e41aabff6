"""Compiled forests (app/ranking/compiled.py): parity with LightGBM on any model, fallback when not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
import numpy.typing as npt
import pytest

from app.leads.rerank import rerank
from app.ranking.compiled import (
    TOLERANCE,
    build_contribution_table,
    compile_forest,
    parity_probe,
    split_thresholds,
)
from app.ranking.features import FEATURE_NAMES
from app.ranking.reranker import load_artifact

ROOT = Path(__file__).resolve().parents[2]


def _trained(objective: str, *, trees: int, leaves: int, seed: int = 3) -> lightgbm.Booster:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(600, 8)).astype(np.float32)
    x[rng.random(x.shape) < 0.05] = 0.0
    signal = x[:, 0] - 0.5 * x[:, 1] * x[:, 2] + 0.1 * rng.normal(size=600)
    params: dict[str, Any] = {
        "objective": objective,
        "num_leaves": leaves,
        "min_data_in_leaf": 5,
        "verbose": -1,
        "num_threads": 1,
        "seed": seed,
    }
    if objective == "lambdarank":
        label = np.digitize(signal, np.quantile(signal, [0.5, 0.8, 0.95]))
        data = lightgbm.Dataset(x, label=label, group=[30] * 20)
    elif objective == "binary":
        data = lightgbm.Dataset(x, label=(signal > 0).astype(int))
    else:
        data = lightgbm.Dataset(x, label=signal)
    return lightgbm.train(params, data, num_boost_round=trees)


@pytest.mark.parametrize(
    ("objective", "trees", "leaves"),
    [("lambdarank", 60, 7), ("binary", 40, 31), ("regression", 25, 15)],
)
def test_a_compiled_forest_predicts_what_lightgbm_predicts(objective: str, trees: int, leaves: int) -> None:
    booster = _trained(objective, trees=trees, leaves=leaves)
    forest = compile_forest(booster)
    assert forest is not None
    rng = np.random.default_rng(11)
    x = rng.normal(size=(500, 8)).astype(np.float32)
    expected = booster.predict(x, num_threads=1)
    assert np.max(np.abs(forest.predict(x) - expected)) <= TOLERANCE
    assert forest.predict(np.zeros((0, 8), dtype=np.float32)).shape == (0,)


def test_the_probe_reaches_both_sides_of_every_split() -> None:
    booster = _trained("regression", trees=10, leaves=7)
    text = booster.model_to_string()
    thresholds = split_thresholds(text, 8)
    assert sum(len(t) for t in thresholds) > 0
    probe = parity_probe(text, 8)
    for f, ts in enumerate(thresholds):
        for t in ts:
            assert (probe[:, f] <= t).any()
            assert (probe[:, f] > t).any()
            assert np.any(probe[:, f] == np.nextafter(t, np.inf))


class _Disagreeing:
    """A booster whose own predictions are off by 1e-6: the compiled model must be refused."""

    def __init__(self, booster: lightgbm.Booster) -> None:
        self.booster = booster

    def model_to_string(self) -> str:
        return str(self.booster.model_to_string())

    def num_feature(self) -> int:
        return int(self.booster.num_feature())

    def predict(self, x: npt.NDArray[np.float64], num_threads: int = 1) -> npt.NDArray[np.float64]:
        return np.asarray(self.booster.predict(x, num_threads=num_threads)) + 1e-6


class _Unreadable(_Disagreeing):
    def model_to_string(self) -> str:
        return "tree\nversion=v4\nnot a model"


def test_a_forest_that_differs_or_does_not_compile_is_refused() -> None:
    booster = _trained("regression", trees=5, leaves=7)
    assert compile_forest(_Disagreeing(booster)) is None
    assert compile_forest(_Unreadable(booster)) is None


def test_the_served_model_ranks_the_same_top_k_compiled_or_not() -> None:
    manifest = json.loads((ROOT / "models" / "ranker" / "DEFAULT.json").read_text())
    path = ROOT / "models" / "ranker" / manifest["file"]
    compiled = load_artifact(path, expected_sha256=manifest["sha256"])
    native = load_artifact(path, expected_sha256=manifest["sha256"], compile_trees=False)
    assert compiled.predictor == "compiled"
    assert compiled.shap is not None
    assert native.predictor == "lightgbm"
    rng = np.random.default_rng(5)
    rows = np.arange(500, dtype=np.int64)
    for _ in range(20):
        features = np.abs(rng.normal(scale=0.5, size=(500, len(FEATURE_NAMES)))).astype(np.float32)
        features[:, rng.random(len(FEATURE_NAMES)) < 0.3] = 0.0
        a = rerank(compiled, rows, features, k=100)
        b = rerank(native, rows, features, k=100)
        assert a.rows.tolist() == b.rows.tolist()
        np.testing.assert_allclose(a.raw, b.raw, rtol=0, atol=TOLERANCE)
        np.testing.assert_allclose(a.probabilities, b.probabilities, rtol=0, atol=TOLERANCE)
        assert a.matches is not None
        assert b.matches is not None
        np.testing.assert_allclose(a.matches, b.matches, rtol=0, atol=0.1)
        top = a.features
        np.testing.assert_allclose(
            compiled.contributions(top), native.contributions(top), rtol=0, atol=TOLERANCE
        )


@pytest.mark.parametrize(("objective", "trees", "leaves"), [("lambdarank", 60, 7), ("binary", 30, 5)])
def test_the_contribution_table_gives_lightgbms_contributions(
    objective: str, trees: int, leaves: int
) -> None:
    booster = _trained(objective, trees=trees, leaves=leaves)
    table = build_contribution_table(booster)
    assert table is not None
    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 8)).astype(np.float32)
    x[rng.random(x.shape) < 0.1] = 0.0
    expected = booster.predict(x, pred_contrib=True, num_threads=1)
    assert np.max(np.abs(table.contributions(x) - expected)) <= TOLERANCE
    assert table.contributions(x[:0]).shape == (0, 9)


def test_stumps_count_their_bias_only() -> None:
    x = np.random.default_rng(0).normal(size=(200, 4))
    booster = lightgbm.train(
        {"objective": "regression", "verbose": -1, "num_threads": 1, "min_data_in_leaf": 150},
        lightgbm.Dataset(x, label=x[:, 0]),
        num_boost_round=5,
    )
    table = build_contribution_table(booster)
    assert table is not None
    expected = booster.predict(x, pred_contrib=True, num_threads=1)
    assert np.max(np.abs(table.contributions(x) - expected)) <= TOLERANCE


def test_big_trees_leave_the_contributions_to_lightgbm() -> None:
    booster = _trained("regression", trees=25, leaves=31)
    assert build_contribution_table(booster) is None
    assert build_contribution_table(_trained("regression", trees=3, leaves=7), max_rows=10) is None


def test_a_model_loaded_again_reuses_its_machine_code_and_table() -> None:
    manifest = json.loads((ROOT / "models" / "ranker" / "DEFAULT.json").read_text())
    path = ROOT / "models" / "ranker" / manifest["file"]
    first = load_artifact(path, expected_sha256=manifest["sha256"])
    again = load_artifact(path, expected_sha256=manifest["sha256"])
    assert first.booster is not again.booster
    assert again.forest is first.forest
    assert again.shap is first.shap

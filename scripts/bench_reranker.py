"""The served reranker's CPU per call: LightGBM against its compiled forest and contribution table.

    python -m scripts.bench_reranker [--rows 500] [--repeats 300] [--json .dev/results/reranker.json]

Loads the bundled model twice (`load_artifact(compile_trees=False)`: LightGBM only; the default:
compiled, app/ranking/compiled.py), then times, alternately in one run, the raw scores of `--rows`
candidates and the per-feature contributions of the top K (10, 25, 100) on random feature rows,
with `time.thread_time` (CPU of this thread; LightGBM is called with one thread, as served).
Prints the medians and the load average; compile and table build times are measured at load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from app.core.config import get_settings
from app.ranking.features import FEATURE_NAMES
from app.ranking.reranker import Reranker, load_artifact

ROOT = Path(__file__).resolve().parents[1]


def cpu_ms(call: Callable[[], object], repeats: int) -> float:
    call()
    samples = []
    for _ in range(repeats):
        started = time.thread_time()
        call()
        samples.append((time.thread_time() - started) * 1e3)
    return statistics.median(samples)


def timings(model: Reranker, features: np.ndarray[Any, Any], repeats: int) -> dict[str, float]:
    out = {f"raw_scores_{len(features)}": cpu_ms(partial(model.raw_scores, features), repeats)}
    for k in (10, 25, 100):
        out[f"contributions_{k}"] = cpu_ms(partial(model.contributions, features[:k]), repeats)
    return {key: round(v, 3) for key, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    model_dir = get_settings().model_dir
    manifest = json.loads((model_dir / "ranker" / "DEFAULT.json").read_text())
    path = model_dir / "ranker" / str(manifest["file"])
    started = time.perf_counter()
    native = load_artifact(path, expected_sha256=manifest["sha256"], compile_trees=False)
    native_s = time.perf_counter() - started
    started = time.perf_counter()
    compiled = load_artifact(path, expected_sha256=manifest["sha256"])
    compiled_s = time.perf_counter() - started
    rng = np.random.default_rng(7)
    features = np.abs(rng.normal(scale=0.5, size=(args.rows, len(FEATURE_NAMES)))).astype(np.float32)
    models: dict[str, Reranker] = {"lightgbm": native, compiled.predictor: compiled}
    result: dict[str, Any] = {
        "model": compiled.version,
        "trees": int(native.booster.num_trees()),
        "load_s": {"lightgbm": round(native_s, 2), "compiled": round(compiled_s, 2)},
        "predictor": compiled.predictor,
        "contributions": "table" if compiled.shap is not None else "lightgbm",
        "cpu_ms": {},
    }
    for name, model in models.items():
        result["cpu_ms"][name] = timings(model, features, args.repeats)
    result["load_average"] = round(os.getloadavg()[0], 1)
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

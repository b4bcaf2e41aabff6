"""Train the student reranker (LightGBM) by distilling the offline teacher.

    python -m scripts.train_ranker [--size tiny] [--seed 7] [--register]
        [--with-real [--real-repeat 4] [--real-labels teacher|tags] [--real-world-prompts]
         [--real-untagged tools/real_eval/untagged.yaml [--untagged-repeat 1]] [--real-teacher minilm|mpnet]]

Train prompts only; validation prompts for early stopping (on the teacher's labels); test prompts
(categories unseen in training); with --with-real also the real-data train prompts of
tools/real_eval (labelled by the real-data MiniLM teacher, or by their directory tags) and its
validation prompts in early stopping (tag grades); --real-world-prompts adds the world's train
prompts run over the real pool, and --real-untagged a file of untagged seller prompts over it, both
labelled by the real-data teacher alone (measured: no gain on real validation, docs/EVALUATION.md
"More real-text queries"); test prompts are only scored for the model card. Writes
models/ranker/<version>.json (+ .md card) and, with --register, a row in the `models` registry
(DATABASE_URL) made active, which running services hot-swap within MODEL_POLL_INTERVAL_S.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm
import numpy as np
from sqlalchemy import update

from app.core.config import Settings, get_settings
from app.core.db import create_engine, create_sessionmaker
from app.leads.candidates import CANDIDATE_BUDGET, DEFAULT_FILL
from app.leads.tables import ModelVersion
from app.ranking.calibration import expected_calibration_error, fit_platt
from app.ranking.embedding import Embedder, load_embedder
from app.ranking.features import FEATURE_NAMES
from app.ranking.reranker import load_artifact, write_artifact
from tools.ranker_dataset import (
    GRADE_CUTS,
    OUTCOME_LABEL_SCALE,
    OUTCOME_WEIGHT,
    QuerySet,
    calibration_pairs,
    query_sets,
)
from tools.ranker_eval import ANN_K, BM25_K, ndcg_at, order_by
from tools.ranker_teacher import teacher_for
from tools.ranker_world import WORLD_NOW, build_offline_index, company_records, generate_world
from tools.real_eval.data import default_data_path, load_companies
from tools.real_eval.offline import LABEL_OF_GRADE, real_index, real_query_sets, teacher_query_sets
from tools.real_eval.prompts import load_prompts
from tools.real_eval.run import acceptable
from tools.real_eval.teacher import real_teacher
from tools.real_eval.untagged import load_untagged

# The student is a lambdarank model. Objectives were compared by category-grouped 5-fold
# cross-validation over the train + validation prompts (NDCG@10 against the qrels of the held-out
# categories; docs/EVALUATION.md): lambdarank on 8 teacher grades with linear gains, the explicit
# fit-product features and 7 leaves per tree (0.2184; 15 leaves 0.2150, 31 leaves 0.2030) is the
# default; `--objective regression` keeps the soft-score regression (0.2082).
COMMON: dict[str, Any] = {
    "learning_rate": 0.1,
    "num_leaves": 7,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 2,
    "verbose": -1,
    "seed": 7,
}
OBJECTIVES: dict[str, dict[str, Any]] = {
    "lambdarank": {
        **COMMON,
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": [10],
        "label_gain": list(range(len(GRADE_CUTS) + 1)),
    },
    "regression": {**COMMON, "objective": "regression", "metric": "l2"},
}
DEFAULT_OBJECTIVE = "lambdarank"


def stack(sets: list[QuerySet], *, graded: bool) -> tuple[np.ndarray, np.ndarray, list[int]]:
    x = np.vstack([q.candidates.features for q in sets])
    y = np.concatenate([q.labels if graded else q.targets for q in sets])
    return x, y, [len(q.targets) for q in sets]


# Each real train prompt counts this many times: 22 real prompts beside 272 generated ones.
REAL_REPEAT = 4


def real_sets(
    path: Path | None,
    embedder: Embedder,
    *,
    settings: Settings,
    labels: str,
    untagged: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    teacher_model: str = "minilm",
) -> dict[str, list[QuerySet]]:
    """Query sets of the real-data train and validation prompts (none when the file is absent).
    Train labels from the real-data teacher (`labels="teacher"`) or the directory tags; the
    validation prompts (early stopping only) are always graded by their tags. `untagged`: more
    prompts over the real pool labelled by the teacher alone, by source (e.g. "world", "file"; split
    "untagged-SOURCE"). The teacher's prompt vectors are cached per source under .dev/cache/."""
    untagged = {k: v for k, v in (untagged or {}).items() if v}
    path = path or default_data_path()
    if not path.is_file():
        print(f"no real company file at {path}: generated world only")
        return {}
    companies = acceptable(load_companies(path))
    index = real_index(companies, embedder)
    prompts = load_prompts()
    teacher = None
    if labels == "teacher" or untagged:
        teacher = real_teacher(teacher_model, settings, companies)
    if teacher is not None:
        teacher.prime([p.prompt for p in prompts if p.split == "train"], "real-train-prompts")
        for source, items in untagged.items():
            teacher.prime([str(p["text"]) for p in items], f"real-{source}-prompts")
    out = {
        split: real_query_sets(
            index,
            embedder,
            companies,
            [p for p in prompts if p.split == split],
            teacher=teacher if split == "train" and labels == "teacher" else None,
        )
        for split in ("train", "validation")
    }
    if teacher is not None:
        for source, items in untagged.items():
            out[f"untagged-{source}"] = teacher_query_sets(index, embedder, companies, items, teacher=teacher)
    return out


def mean_ndcg(sets: list[QuerySet], scores: list[np.ndarray]) -> float:
    values = [
        ndcg_at(order_by(q.candidates.rows, s), q.grades, 10)
        for q, s in zip(sets, scores, strict=True)
        if q.grades
    ]
    return float(np.mean(values)) if values else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="tiny")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument(
        "--model-seed",
        type=int,
        default=COMMON["seed"],
        help="LightGBM's seed (bagging, feature fractions) alone; --seed also changes the world",
    )
    parser.add_argument("--out-dir", type=Path, default=None)
    parser.add_argument("--objective", choices=sorted(OBJECTIVES), default=DEFAULT_OBJECTIVE)
    parser.add_argument(
        "--register", action="store_true", help="add to the registry (DATABASE_URL) and activate"
    )
    parser.add_argument("--no-default", action="store_true", help="do not make it the bundled default model")
    parser.add_argument(
        "--real-data",
        type=Path,
        default=None,
        help="real company CSV (default: the shared data file when present)",
    )
    parser.add_argument(
        "--with-real",
        action="store_true",
        help="also learn from the real-data train prompts (measured: no gain on the real validation split)",
    )
    parser.add_argument(
        "--real-repeat", type=int, default=REAL_REPEAT, help="times each real train prompt counts in training"
    )
    parser.add_argument(
        "--real-labels",
        choices=("teacher", "tags"),
        default="teacher",
        help="labels of the real train prompts: the real-data teacher's grades or the directory tags",
    )
    parser.add_argument(
        "--real-world-prompts",
        action="store_true",
        help="with --with-real: also the generated world's train prompts over the real pool, "
        "labelled by the real-data teacher (no tags)",
    )
    parser.add_argument(
        "--real-untagged",
        type=Path,
        default=None,
        help="with --with-real: a YAML file of untagged seller prompts (tools/real_eval/untagged.py) "
        "over the real pool, labelled by the real-data teacher alone",
    )
    parser.add_argument(
        "--untagged-repeat",
        type=int,
        default=1,
        help="times each prompt of --real-untagged counts in training",
    )
    parser.add_argument(
        "--real-teacher",
        choices=("minilm", "mpnet"),
        default="minilm",
        help="the real-data teacher's model: all-MiniLM-L6-v2 int8 or all-mpnet-base-v2 "
        "(tools/real_eval/mpnet.py, wheels in requirements-eval.txt)",
    )
    args = parser.parse_args()

    settings = get_settings()
    started = time.perf_counter()
    world = generate_world(args.size, seed=args.seed)
    embedder = load_embedder(settings)
    index = build_offline_index(company_records(world), embedder, now=WORLD_NOW)
    teacher = teacher_for(index, now=WORLD_NOW, settings=settings, tag=f"{args.size}-{args.seed}")
    sets = {
        split: query_sets(
            world, index, embedder, teacher, world.prompts_in(split), bm25_k=BM25_K, ann_k=ANN_K
        )
        for split in ("train", "validation", "test")
    }
    real = (
        real_sets(
            args.real_data,
            embedder,
            settings=settings,
            labels=args.real_labels,
            untagged={
                "world": world.prompts_in("train") if args.real_world_prompts else [],
                "file": load_untagged(args.real_untagged) if args.real_untagged else [],
            },
            teacher_model=args.real_teacher,
        )
        if args.with_real
        else {}
    )
    print(
        f"data ready in {time.perf_counter() - started:.0f}s: "
        + ", ".join(f"{k} {len(v)} prompts" for k, v in sets.items())
        + "".join(f", real {k} {len(v)} prompts" for k, v in real.items())
    )
    params = {**OBJECTIVES[args.objective], "seed": args.model_seed}
    graded = params["objective"] != "regression"
    x_train, y_train, g_train = stack(
        sets["train"]
        + real.get("train", []) * args.real_repeat
        + real.get("untagged-world", [])
        + real.get("untagged-file", []) * args.untagged_repeat,
        graded=graded,
    )
    x_val, y_val, g_val = stack(sets["validation"] + real.get("validation", []), graded=graded)
    train = lightgbm.Dataset(x_train, y_train, group=g_train, feature_name=list(FEATURE_NAMES))
    valid = lightgbm.Dataset(x_val, y_val, group=g_val, reference=train)
    booster = lightgbm.train(
        params,
        train,
        num_boost_round=args.rounds,
        valid_sets=[valid],
        callbacks=[lightgbm.early_stopping(40, verbose=False)],
    )
    cal_x, cal_y = calibration_pairs(world, index, embedder, world.prompts_in("train"))
    raw = np.concatenate([booster.predict(f, num_iteration=booster.best_iteration) for f in cal_x])
    platt = fit_platt(raw, np.concatenate(cal_y))
    val_x, val_y = calibration_pairs(world, index, embedder, world.prompts_in("validation"))
    val_p = platt(np.concatenate([booster.predict(f, num_iteration=booster.best_iteration) for f in val_x]))
    val_labels = np.concatenate(val_y)
    ece = expected_calibration_error(val_p, val_labels)
    metrics: dict[str, Any] = {
        "best_iteration": booster.best_iteration,
        "ece_validation_purchase": round(ece, 4),
        "validation_purchase_rate": round(float(val_labels.mean()), 4),
        "validation_mean_probability": round(float(val_p.mean()), 4),
    }
    for split, qs in sets.items():
        student = [
            np.asarray(booster.predict(q.candidates.features, num_iteration=booster.best_iteration))
            for q in qs
        ]
        metrics[f"ndcg10_{split}_student"] = round(mean_ndcg(qs, student), 4)
        metrics[f"ndcg10_{split}_teacher"] = round(mean_ndcg(qs, [q.teacher for q in qs]), 4)
    for split, qs in real.items():
        if split.startswith("untagged"):
            continue
        student = [
            np.asarray(booster.predict(q.candidates.features, num_iteration=booster.best_iteration))
            for q in qs
        ]
        metrics[f"ndcg10_real_{split}_student"] = round(mean_ndcg(qs, student), 4)
    gains = booster.feature_importance(importance_type="gain")
    importance = sorted(zip(FEATURE_NAMES, gains.tolist(), strict=True), key=lambda kv: -kv[1])
    version = f"lgbm-{args.size}{args.seed}-{datetime.now(UTC):%Y%m%d%H%M%S}"
    card = {
        "version": version,
        "trained_at": datetime.now(UTC).isoformat(),
        "data": {
            "world": args.size,
            "seed": args.seed,
            "prompts": {k: len(v) for k, v in sets.items()},
            "train_rows": len(y_train),
            "targets": (
                f"lambdarank on {len(GRADE_CUTS) + 1} grades of the teacher score (snippet-level MiniLM x "
                f"profile fit x seller penalty) relative to the query's best, cuts {list(GRADE_CUTS)}, "
                f"outcome grade scale {OUTCOME_LABEL_SCALE}; no qrels"
                if graded
                else "teacher score relative to the query's best (regression); "
                f"outcome floor weight {OUTCOME_WEIGHT}; no qrels"
            ),
            "real": (
                f"{len(real.get('train', []))} real train prompts x {args.real_repeat} (labels: "
                + (
                    f"the real-data teacher's grades ({args.real_teacher}), tools/real_eval/teacher.py"
                    if args.real_labels == "teacher"
                    else f"directory tag grades {LABEL_OF_GRADE}"
                )
                + "), "
                + (
                    f"{len(real['untagged-world'])} world train prompts over the real pool (labels: the "
                    "real-data teacher's grades), "
                    if real.get("untagged-world")
                    else ""
                )
                + (
                    f"{len(real['untagged-file'])} untagged seller prompts x {args.untagged_repeat} from "
                    f"{args.real_untagged.name if args.real_untagged else '-'} over the real pool (labels: "
                    "the real-data teacher's grades), "
                    if real.get("untagged-file")
                    else ""
                )
                + f"{len(real.get('validation', []))} real validation prompts (tag grades) in "
                "early stopping; real test prompts never used (tools/real_eval)"
                if real
                else "none"
            ),
            "candidates": f"BM25 {BM25_K} + ANN {ANN_K}, filled to {CANDIDATE_BUDGET} ({DEFAULT_FILL} fill)",
            "calibration": "Platt on purchase events of companies shown in logged train-split requests",
        },
        "features": list(FEATURE_NAMES),
        "params": params,
        "metrics": metrics,
        "feature_importance_gain": [[n, round(g, 1)] for n, g in importance],
    }
    out_dir = args.out_dir or settings.model_dir / "ranker"
    path = out_dir / f"{version}.json"
    digest = write_artifact(path, version=version, booster=booster, calibration=platt, card=card)
    load_artifact(path, expected_sha256=digest, expected_version=version)  # refuse to ship what cannot load
    (out_dir / f"{version}.md").write_text(render_card(card, digest))
    if not args.no_default:
        manifest = {"version": version, "file": path.name, "sha256": digest}
        (out_dir / "DEFAULT.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(json.dumps(metrics, indent=1))
    print(
        f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB, sha256 {digest[:12]}) "
        f"in {time.perf_counter() - started:.0f}s"
    )
    if args.register:
        asyncio.run(
            register(
                version=version, stored_path=registry_path(path, settings.model_dir), digest=digest, card=card
            )
        )


def render_card(card: dict[str, Any], digest: str) -> str:
    lines = [f"# Ranker model card: {card['version']}", "", f"sha256 `{digest}`", "", "## Data", ""]
    lines += [f"- {k}: {v}" for k, v in card["data"].items()]
    lines += ["", "## Metrics (NDCG@10 against the world's qrels; ECE on validation purchases)", ""]
    lines += [f"- {k}: {v}" for k, v in card["metrics"].items()]
    lines += ["", "## Features by gain", ""] + [f"- {n}: {g}" for n, g in card["feature_importance_gain"]]
    return "\n".join(lines) + "\n"


def registry_path(path: Path, model_dir: Path) -> str:
    """Stored relative to MODEL_DIR when the artifact lives under it (portable across machines)."""
    resolved, root = path.resolve(), model_dir.resolve()
    return str(resolved.relative_to(root) if resolved.is_relative_to(root) else resolved)


async def register(*, version: str, stored_path: str, digest: str, card: dict[str, Any]) -> None:
    settings = get_settings()
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await session.execute(
                update(ModelVersion).where(ModelVersion.active.is_(True)).values(active=False)
            )
            session.add(
                ModelVersion(
                    version=version,
                    path=stored_path,
                    sha256=digest,
                    feature_names=list(card["features"]),
                    metrics=card["metrics"],
                    card=card,
                    active=True,
                    activated_at=datetime.now(UTC),
                )
            )
    finally:
        await engine.dispose()
    print(f"registered and activated {version}")


if __name__ == "__main__":
    main()

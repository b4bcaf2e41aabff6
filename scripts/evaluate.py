"""Evaluate the rankers on the world's test prompts (categories unseen in training).

    python -m scripts.evaluate [--size tiny] [--seed 7] [--model models/ranker/<version>.json] [--split test]
        [--bm25-k 300] [--ann-k 100] [--budget 500] [--fill prior|fused] [--cut 0] [--recall-only]

Prints NDCG@10, P@10, P@25 and candidate recall at the budget, overall and per source (BM25, ANN,
the intent prior; relevant = grade >= 1 in the world's qrels) for
BM25 only, ANN only (exact cosine on the company vectors), hybrid reciprocal rank fusion, the
teacher and the student over the same filtered candidate pool, and the student's calibration (ECE
of the calibrated probability against purchases in the logged validation-split requests).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from app.core.config import Settings, get_settings
from app.leads.candidates import CANDIDATE_BUDGET, DEFAULT_CUT, DEFAULT_FILL
from app.ranking.calibration import expected_calibration_error
from app.ranking.embedding import load_embedder
from app.ranking.reranker import load_artifact
from tools.ranker_dataset import calibration_pairs, query_sets
from tools.ranker_eval import (
    ANN_K,
    BM25_K,
    Candidates,
    baseline_orders,
    candidates_for,
    grades_for,
    ndcg_at,
    order_by,
    precision_at,
    recall_of,
)
from tools.ranker_teacher import teacher_for
from tools.ranker_world import WORLD_NOW, build_offline_index, company_records, generate_world


def source_recalls(c: Candidates, grades: dict[int, int]) -> dict[str, float]:
    """Recall of the candidates each source contributed (after the hard filters), and their count."""
    rows = c.rows.tolist()
    bm25 = [r for r in rows if r in c.bm25]
    ann = [r for r in rows if r in c.ann]
    prior = [r for r in rows if r not in c.bm25 and r not in c.ann]
    return {
        "bm25": recall_of(bm25, grades),
        "ann": recall_of(ann, grades),
        "bm25+ann": recall_of(bm25 + ann, grades),
        "prior": recall_of(prior, grades),
        "n_bm25": float(len(bm25)),
        "n_ann": float(len(ann)),
        "n_bm25+ann": float(len(set(bm25) | set(ann))),
        "n_prior": float(len(prior)),
    }


def recall_only(args: argparse.Namespace, settings: Settings) -> None:
    """Candidate recall at the budget, per source, without the teacher or a model (bench size too)."""
    started = time.perf_counter()
    world = generate_world(args.size, seed=args.seed, traffic=False)
    embedder = load_embedder(settings)
    index = build_offline_index(company_records(world), embedder, now=WORLD_NOW)
    print(
        f"world {args.size}-{args.seed}: {index.store.size} companies, index {index.built_s:.0f}s", flush=True
    )
    recalls, sizes = [], []
    by_source: dict[str, list[float]] = {}
    for prompt in world.prompts_in(args.split):
        grades = grades_for(index, world.qrels.get(prompt["prompt_id"], {}))
        if not grades:
            continue
        c = candidates_for(
            index,
            embedder,
            prompt,
            bm25_k=args.bm25_k,
            ann_k=args.ann_k,
            budget=args.budget,
            fill=args.fill,
            cut=args.cut,
        )
        for name, value in source_recalls(c, grades).items():
            by_source.setdefault(name, []).append(value)
        recalls.append(recall_of(c.rows.tolist(), grades))
        sizes.append(len(c.rows))
    print(
        f"{args.split} prompts with judged companies: {len(recalls)}; fill {args.fill}; candidate "
        f"recall@{np.mean(sizes):.0f} (mean pool size): {np.mean(recalls):.4f} (budget {args.budget})"
    )
    print(
        "recall by source (candidates each, mean): "
        + ", ".join(f"{k} {np.mean(v):.4f}" for k, v in by_source.items())
    )
    print(f"({time.perf_counter() - started:.0f}s)")


def default_model(model_dir: Path) -> Path:
    manifest = model_dir / "ranker" / "DEFAULT.json"
    if not manifest.exists():
        raise SystemExit("no models/ranker/DEFAULT.json: run `python -m scripts.train_ranker` first")
    return model_dir / "ranker" / str(json.loads(manifest.read_text())["file"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="tiny")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--split", default="test")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--bm25-k", type=int, default=BM25_K)
    parser.add_argument("--ann-k", type=int, default=ANN_K)
    parser.add_argument("--budget", type=int, default=CANDIDATE_BUDGET, help="candidates per query")
    parser.add_argument(
        "--fill", choices=("prior", "fused"), default=DEFAULT_FILL, help="what fills the budget"
    )
    parser.add_argument(
        "--cut",
        type=int,
        default=DEFAULT_CUT,
        help="first-stage cut: candidates kept for the features and the model (0: all)",
    )
    parser.add_argument(
        "--recall-only",
        action="store_true",
        help="candidate recall only (no teacher, no model): any world size",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    settings = get_settings()
    started = time.perf_counter()
    if args.recall_only:
        recall_only(args, settings)
        return
    model_path = args.model or default_model(settings.model_dir)
    student = load_artifact(model_path, expected_sha256=None)
    world = generate_world(args.size, seed=args.seed)
    embedder = load_embedder(settings)
    index = build_offline_index(company_records(world), embedder, now=WORLD_NOW)
    teacher = teacher_for(index, now=WORLD_NOW, settings=settings, tag=f"{args.size}-{args.seed}")
    sets = query_sets(
        world,
        index,
        embedder,
        teacher,
        world.prompts_in(args.split),
        bm25_k=args.bm25_k,
        ann_k=args.ann_k,
        budget=args.budget,
        fill=args.fill,
        cut=args.cut,
    )
    sets = [q for q in sets if q.grades]
    rows: dict[str, list[tuple[float, float, float]]] = {}
    recalls, sizes = [], []
    by_source: dict[str, list[float]] = {}
    for q in sets:
        for name, value in source_recalls(q.candidates, q.grades).items():
            by_source.setdefault(name, []).append(value)
        orders = baseline_orders(q.candidates)
        orders["teacher"] = order_by(q.candidates.rows, q.teacher)
        orders["student"] = order_by(q.candidates.rows, student.raw_scores(q.candidates.features))
        for name, order in orders.items():
            rows.setdefault(name, []).append(
                (
                    ndcg_at(order, q.grades, 10),
                    precision_at(order, q.grades, 10),
                    precision_at(order, q.grades, 25),
                )
            )
        recalls.append(recall_of(q.candidates.rows.tolist(), q.grades))
        sizes.append(len(q.candidates.rows))
    cal_x, cal_y = calibration_pairs(world, index, embedder, world.prompts_in("validation"))
    probabilities = student.probabilities(np.concatenate([student.raw_scores(f) for f in cal_x]))
    labels = np.concatenate(cal_y)
    ece = expected_calibration_error(probabilities, labels)
    results: dict[str, Any] = {
        "world": f"{args.size}-{args.seed}",
        "split": args.split,
        "prompts": len(sets),
        "model": student.version,
        "candidates_mean": round(float(np.mean(sizes)), 1),
        "candidate_recall": round(float(np.mean(recalls)), 4),
        "candidate_budget": args.budget,
        "recall_by_source": {k: round(float(np.mean(v)), 4) for k, v in by_source.items()},
        "ece_student_validation_purchases": round(ece, 4),
        "purchase_rate": round(float(labels.mean()), 4),
        "mean_probability": round(float(probabilities.mean()), 4),
        "rankers": {
            name: dict(zip(("ndcg@10", "p@10", "p@25"), np.mean(v, axis=0).round(4).tolist(), strict=True))
            for name, v in rows.items()
        },
    }
    print(
        f"world {results['world']}, {args.split} prompts with judged companies: {len(sets)}, "
        f"model {student.version}"
    )
    print(f"{'ranker':<12} {'NDCG@10':>8} {'P@10':>7} {'P@25':>7}")
    for name, m in results["rankers"].items():
        print(f"{name:<12} {m['ndcg@10']:>8.4f} {m['p@10']:>7.4f} {m['p@25']:>7.4f}")
    print(
        f"candidate recall@{results['candidates_mean']:.0f} (mean union size): "
        f"{results['candidate_recall']:.4f} (budget {args.budget})"
    )
    print(
        "recall by source (candidates each, mean): "
        + ", ".join(f"{k} {v:.4f}" for k, v in results["recall_by_source"].items())
    )
    print(
        f"student calibration: ECE {ece:.4f} on {len(labels)} shown companies "
        f"(purchase rate {labels.mean():.4f}, mean probability {probabilities.mean():.4f})"
    )
    s, b, t = (results["rankers"][k]["ndcg@10"] for k in ("student", "bm25", "teacher"))
    print(f"student - bm25 = {s - b:+.4f} NDCG@10; student / teacher = {s / t if t else 0:.1%}")
    print(f"({time.perf_counter() - started:.0f}s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

"""Candidate rankers on the real companies, offline: `python -m scripts.evaluate_real_offline
[--model models/ranker/<version>.json ...] [--cut 200] [--split validation ...]`.

The served pipeline built in process (tools/real_eval/offline.py: the service's store, BM25 index
and candidate code over the same records the API would create, exact cosine instead of the HNSW
index), the served first-stage cut, each model's raw scores (booster + vendor rule, as served).
Prints NDCG@10 and P@10 per real split (tools/real_eval/prompts.yaml) for each model, so candidates
can be compared before one is installed and measured through HTTP (`scripts.evaluate_real`).
Without `--model`: the bundled default model.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from app.core.config import get_settings
from app.leads.candidates import DEFAULT_CUT
from app.ranking.embedding import Embedder, load_embedder
from app.ranking.reranker import Reranker, load_artifact
from scripts.evaluate import default_model
from tools.ranker_eval import ndcg_at, order_by, precision_at
from tools.ranker_world import OfflineIndex, generate_world
from tools.real_eval.data import RealCompany, default_data_path, load_companies
from tools.real_eval.offline import real_index, real_query_sets, teacher_query_sets
from tools.real_eval.prompts import PROMPTS_FILE, SPLITS, load_prompts
from tools.real_eval.run import acceptable
from tools.real_eval.teacher import real_teacher
from tools.real_eval.untagged import UNTAGGED_FILE, load_untagged


def mean_cell(values: list[float]) -> str:
    """The mean to 3 decimals, "-" when no prompt of the split has a relevant company."""
    return f"{np.mean(values):.3f}" if values else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", default=[], help="artifact (repeatable)")
    parser.add_argument("--data", type=Path, default=None, help="company CSV (default: shared data file)")
    parser.add_argument("--prompts", type=Path, default=PROMPTS_FILE)
    parser.add_argument("--cut", type=int, default=DEFAULT_CUT, help="first-stage cut (0: all candidates)")
    parser.add_argument(
        "--split",
        choices=SPLITS,
        action="append",
        default=None,
        help="only these splits (repeatable): choose on train + validation, report test once",
    )
    parser.add_argument(
        "--agreement",
        choices=("minilm", "mpnet"),
        default=None,
        help="also NDCG@10 against this real-data teacher's grades on untagged prompts over the pool: "
        "the seller prompts of --untagged and the generated world's train prompts",
    )
    parser.add_argument(
        "--untagged", type=Path, default=UNTAGGED_FILE, help="with --agreement: the untagged prompt file"
    )
    args = parser.parse_args(argv)
    path = args.data or default_data_path()
    if not path.is_file():
        print(f"no company file at {path} (use --data or $REAL_EVAL_DATA)", file=sys.stderr)
        return 2
    settings = get_settings()
    started = time.perf_counter()
    models = [
        load_artifact(p, expected_sha256=None) for p in args.model or [default_model(settings.model_dir)]
    ]
    companies = acceptable(load_companies(path))
    embedder = load_embedder(settings)
    index = real_index(companies, embedder)
    prompts = load_prompts(args.prompts)
    splits = [s for s in SPLITS if args.split is None or s in args.split]
    sets = {
        split: real_query_sets(
            index, embedder, companies, [p for p in prompts if p.split == split], cut=args.cut
        )
        for split in splits
    }
    print(
        f"{len(companies)} companies, cut {args.cut}, "
        + ", ".join(f"{s} {len(v)} prompts" for s, v in sets.items())
        + f" ({time.perf_counter() - started:.0f}s)"
    )
    print("| model | " + " | ".join(f"{s} NDCG@10 | P@10" for s in splits) + " |")
    print("|---|" + "---:|---:|" * len(splits))
    for model in models:
        cells = []
        for split in splits:
            orders = [
                order_by(q.candidates.rows, model.raw_scores(q.candidates.features)) for q in sets[split]
            ]
            pairs = [(o, q.grades) for o, q in zip(orders, sets[split], strict=True) if q.grades]
            cells.append(mean_cell([ndcg_at(o, g, 10) for o, g in pairs]))
            cells.append(mean_cell([precision_at(o, g, 10) for o, g in pairs]))
        print(f"| {model.version} | " + " | ".join(cells) + " |")
    if args.agreement:
        agreement(args.agreement, models, companies, index, embedder, cut=args.cut, file=args.untagged)
    return 0


def agreement(
    teacher_name: str,
    models: list[Reranker],
    companies: list[RealCompany],
    index: OfflineIndex,
    embedder: Embedder,
    *,
    cut: int,
    file: Path,
) -> None:
    """How closely each model follows the teacher on prompts it may not have learnt from: NDCG@10
    with the teacher's grades (0..7 on the served candidates) as the relevance."""
    teacher = real_teacher(teacher_name, get_settings(), companies)
    untagged = {  # name: (cache tag of the teacher's prompt vectors, prompts)
        file.name: ("real-file-prompts", load_untagged(file)),
        "world train prompts": (
            "real-world-prompts",
            generate_world("tiny", seed=7, traffic=False).prompts_in("train"),
        ),
    }
    sets = {}
    for name, (tag, items) in untagged.items():
        teacher.prime([str(p["text"]) for p in items], tag)
        sets[name] = teacher_query_sets(index, embedder, companies, items, teacher=teacher, cut=cut)
    print(f"\nNDCG@10 against the {teacher_name} teacher's grades (served candidates, cut {cut}):")
    print("| model | " + " | ".join(f"{n} ({len(v)})" for n, v in sets.items()) + " |")
    print("|---|" + "---:|" * len(sets))
    for model in models:
        cells = []
        for qs in sets.values():
            values = []
            for q in qs:
                grades = {int(r): int(g) for r, g in zip(q.candidates.rows, q.labels, strict=True) if g > 0}
                if grades:
                    order = order_by(q.candidates.rows, model.raw_scores(q.candidates.features))
                    values.append(ndcg_at(order, grades, 10))
            cells.append(mean_cell(values))
        print(f"| {model.version} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    raise SystemExit(main())

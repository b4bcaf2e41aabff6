"""Ranking quality on real companies: `python -m scripts.evaluate_real [--limit N] [--no-served]`.

Loads the real company file (default `<repo>/../shared/data/yc-companies-2023-even.csv`, or
`--data` / $REAL_EVAL_DATA) into a fresh database through the public API of the app served on a
loopback port, runs the seller prompts of tools/real_eval/prompts.yaml, and prints NDCG@10, P@10,
recall@100 and filter violations per split for plain BM25, dense cosine, their RRF and the served
ranker. Needs the local stack (PostgreSQL, Redis): `python -m dev.stack up`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from app.core.config import Settings
from tools.real_eval.data import default_data_path, load_companies
from tools.real_eval.prompts import PROMPTS_FILE, load_prompts
from tools.real_eval.run import evaluate, write_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="company CSV (default: shared data file)")
    parser.add_argument("--prompts", type=Path, default=PROMPTS_FILE)
    parser.add_argument("--limit", type=int, default=None, help="only the first N companies")
    parser.add_argument("--split", choices=["train", "validation", "test"], action="append", default=None)
    parser.add_argument("--no-served", action="store_true", help="baselines only (no database, no app)")
    parser.add_argument(
        "--minilm",
        action="store_true",
        help="add the rrf-minilm baseline (BM25 + all-MiniLM-L6-v2 cosine; the first run embeds the pool)",
    )
    parser.add_argument(
        "--teacher",
        choices=("minilm", "mpnet"),
        action="append",
        default=[],
        help="add the real-data teacher of this model as a ranker over the whole pool (teacher-NAME)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write per-prompt figures here")
    parser.add_argument(
        "--show", action="append", default=[], help="print the top 3 served leads of this prompt id"
    )
    args = parser.parse_args(argv)
    path = args.data or default_data_path()
    if not path.is_file():
        print(f"no company file at {path} (use --data or $REAL_EVAL_DATA)", file=sys.stderr)
        return 2
    companies = load_companies(path, limit=args.limit)
    prompts = [p for p in load_prompts(args.prompts) if args.split is None or p.split in args.split]
    ev = asyncio.run(
        evaluate(
            Settings(),
            companies,
            prompts,
            served=not args.no_served,
            minilm=args.minilm,
            teachers=args.teacher,
        )
    )
    version = ev.model_version or "-"
    print(
        f"{ev.companies} companies (of {len(companies)} read), {len(prompts)} prompts, served model {version}"
    )
    if ev.load is not None:
        print(
            f"loaded through POST /v1/snippets: {ev.load.accepted} accepted, {ev.load.duplicates} duplicates,"
            f" {ev.load.rejected} rejected; searchable after {ev.load.seconds_to_searchable:.1f} s;"
            f" median search {ev.median_search_ms:.1f} ms (k=100)"
        )
    print(ev.table(prompts))
    for prompt_id in args.show:
        answer = ev.answers.get(prompt_id)
        if answer is not None:
            print(json.dumps(answer.leads[:3], indent=1))
    if args.json is not None:
        write_json(ev, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

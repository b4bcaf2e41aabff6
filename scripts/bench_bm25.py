"""BM25 alone: CPU per search of `Bm25Index.search` over snapshots' BM25 indexes, by `max_df`.

    python -m scripts.bench_bm25 --snapshot demo=.dev/snapshots/demo --snapshot 1m=.dev/snapshots/tiled
        [--prompts .dev/world/demo-7/prompts.jsonl] [--limit 300] [--rounds 5] [--max-df 1.0 0.1]
        [--json .dev/results/bench_bm25.json]

Each snapshot's BM25 index is opened from a private copy made of hard links (as a worker does), the
keywords of every prompt parsed as served (`parse_prompt`, no LLM). Each round times, for every
snapshot and every `--max-df` in turn, the searches of all prompts at the served limit with
`time.thread_time` (CPU of this thread); prints the median CPU ms per search over the rounds, the
postings the kept clauses hold per search, and how much of the top `--limit` (and top 10) each
`max_df` shares with the first one given (1.0: every clause, the query before pruning).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from app.leads.snapshot import current_snapshot
from app.ranking.bm25 import Bm25Index, query_clauses
from app.ranking.prompt import parse_prompt

ROOT = Path(__file__).resolve().parents[1]


def private_copy(snapshot_root: Path, into: Path) -> Bm25Index:
    """The snapshot's BM25 index opened from hard links under `into` (no lock file shared)."""
    path = current_snapshot(snapshot_root)
    if path is None:
        raise SystemExit(f"no snapshot in {snapshot_root}")
    shutil.copytree(path / "bm25", into, copy_function=os.link, ignore=shutil.ignore_patterns("*.lock"))
    return Bm25Index(path=into)


def postings(index: Bm25Index, keywords: list[str], max_df: float) -> int:
    """The postings the clauses kept at `max_df` hold (what a search walks)."""
    df = index.doc_freqs(keywords)
    return sum(df[c] for c in query_clauses(df, n_docs=index.num_docs(), max_df=max_df))


def cpu_per_search(index: Bm25Index, queries: list[list[str]], *, limit: int, max_df: float) -> float:
    started = time.thread_time()
    for keywords in queries:
        index.search(keywords, limit=limit, max_df=max_df)
    return (time.thread_time() - started) * 1e3 / len(queries)


def agreement(
    index: Bm25Index, queries: list[list[str]], *, limit: int, max_df: float, reference: float
) -> dict[str, float]:
    """Mean share of the reference's top `limit` and top 10 rows also in `max_df`'s."""
    top, top10 = [], []
    for keywords in queries:
        ref, _ = index.search(keywords, limit=limit, max_df=reference)
        got, _ = index.search(keywords, limit=limit, max_df=max_df)
        if len(ref) == 0:
            continue
        top.append(len(set(ref.tolist()) & set(got.tolist())) / len(ref))
        top10.append(len(set(ref[:10].tolist()) & set(got[:10].tolist())) / min(10, len(ref)))
    return {"top_limit_shared": float(np.mean(top)), "top10_shared": float(np.mean(top10))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", action="append", required=True, help="LABEL=SNAPSHOT_ROOT")
    parser.add_argument("--prompts", type=Path, default=ROOT / ".dev/world/demo-7/prompts.jsonl")
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-df", type=float, nargs="+", default=[1.0, 0.1])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    lines = args.prompts.read_text().splitlines()
    queries = [list(parse_prompt(json.loads(line)["text"]).keywords) for line in lines if line.strip()]
    work = Path(tempfile.mkdtemp(prefix="bench-bm25-"))
    try:
        indexes: dict[str, Bm25Index] = {}
        for i, spec in enumerate(args.snapshot):
            label, _, root = spec.partition("=")
            indexes[label] = private_copy(Path(root), work / str(i))
        samples: dict[tuple[str, float], list[float]] = {(lb, m): [] for lb in indexes for m in args.max_df}
        for index in indexes.values():  # warm: the pages mapped, the term dictionaries read
            for max_df in args.max_df:
                cpu_per_search(index, queries, limit=args.limit, max_df=max_df)
        for _ in range(args.rounds):
            for label, index in indexes.items():
                for max_df in args.max_df:
                    samples[label, max_df].append(
                        cpu_per_search(index, queries, limit=args.limit, max_df=max_df)
                    )
        results: list[dict[str, Any]] = []
        load = os.getloadavg()[0]
        print(f"{len(queries)} prompts, limit {args.limit}, {args.rounds} rounds, load average {load:.1f}")
        print(
            "| index | docs | max_df | CPU ms / search (median) | rounds | postings / search "
            "| top-limit shared | top-10 shared |"
        )
        print("|---|---:|---:|---:|---|---:|---:|---:|")
        for label, index in indexes.items():
            for max_df in args.max_df:
                runs = samples[label, max_df]
                walked = float(np.mean([postings(index, q, max_df) for q in queries]))
                shared = agreement(index, queries, limit=args.limit, max_df=max_df, reference=args.max_df[0])
                row = {
                    "index": label,
                    "docs": index.num_docs(),
                    "max_df": max_df,
                    "cpu_ms": statistics.median(runs),
                    "rounds": runs,
                    "postings": walked,
                    **shared,
                }
                results.append(row)
                print(
                    f"| {label} | {row['docs']:,} | {max_df:g} | {row['cpu_ms']:.3f} | "
                    f"{', '.join(f'{r:.2f}' for r in runs)} | {walked:,.0f} | "
                    f"{shared['top_limit_shared']:.3f} | {shared['top10_shared']:.3f} |"
                )
        if args.json is not None:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Quality report of a generated lead world: vocabulary overlap and the BM25 NDCG@10 floor.

Usage: python -m scripts.world_report [--dir .dev/world/demo-7 | --size demo --seed 7] [--splits test]

* overlap: share of a prompt's content words (stopwords removed) found in the snippets of its relevant
  companies (grade >= 2), of 50 random companies, and of the vendors of its category; averaged over prompts.
* BM25: rank-bm25 ``BM25Okapi`` over each company's concatenated snippets, the prompt text as the query,
  the prompt's API ``filters`` applied (firmographics from the truth file); NDCG@10 with gains 2^grade - 1
  against qrels.jsonl. This is the floor the ranker must beat; the ceiling (ranking by the truth) is 1.0.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from dev.world import default_out_dir, load_world_files
from dev.world.metrics import bm25_report, company_texts, overlap_report


def report(world_dir: Path, splits: list[str]) -> dict[str, Any]:
    world = load_world_files(world_dir)
    started = time.monotonic()
    texts = company_texts(world)
    out: dict[str, Any] = {
        "world": str(world_dir),
        "size": world.manifest["size"],
        "seed": world.manifest["seed"],
        "companies": world.manifest["companies"],
        "snippets": world.manifest["files"]["snippets.jsonl"]["lines"],
        "splits": {},
    }
    for split in splits:
        qrels = world.qrels(split)
        relevant = [sum(1 for g in grades.values() if g > 0) for grades in qrels.values()]
        out["splits"][split] = {
            "prompts": len(world.prompts(split)),
            "relevant_per_prompt_median": statistics.median(relevant) if relevant else 0,
            "overlap": overlap_report(world, texts, split=split),
            "bm25": bm25_report(world, texts, split=split),
        }
    out["seconds"] = round(time.monotonic() - started, 1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dir", help="world directory")
    parser.add_argument("--size", default="tiny")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--splits", default="test,validation", help="comma-separated splits to score")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    args = parser.parse_args()
    world_dir = Path(args.dir) if args.dir else default_out_dir(args.size, args.seed)
    result = report(world_dir, [s for s in args.splits.split(",") if s])
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"world {result['world']} (size={result['size']} seed={result['seed']}, "
        f"{result['companies']} companies, {result['snippets']} snippets)"
    )
    print(
        f"{'split':<11}{'prompts':>8}{'rel/prompt':>11}{'overlap rel':>12}{'random':>8}{'vendor':>8}"
        f"{'BM25 NDCG@10':>14}{'vendors@10':>11}"
    )
    for split, r in result["splits"].items():
        o, b = r["overlap"], r["bm25"]
        print(
            f"{split:<11}{r['prompts']:>8}{r['relevant_per_prompt_median']:>11}{o['relevant']:>12.3f}"
            f"{o['random']:>8.3f}{o['vendor']:>8.3f}{b['ndcg@10']:>14.3f}{b['vendor_share@10']:>11.3f}"
        )
    print(f"(computed in {result['seconds']}s; ceiling NDCG@10 = 1.0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

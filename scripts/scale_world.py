"""Build a benchmark world's offline index and load its vectors into the bench database, or check HNSW
against exact search there (tools/scale_world.py, tools/scale_load.py).

    python -m scripts.scale_world build --size scale       # index build + COPY + HNSW, no queries
    python -m scripts.scale_world ann-check --size scale   # HNSW vs exact, rows returned under filters
"""

from __future__ import annotations

import argparse
import asyncio

from tools.scale_load import ann_check, build_and_load


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("ann-check", help="HNSW vs exact search on the loaded bench database")
    check.add_argument("--size", default="scale")
    check.add_argument("--seed", type=int, default=7)
    check.add_argument("--queries", type=int, default=10)
    check.add_argument("--limit", type=int, default=100)
    build = sub.add_parser("build", help="build the offline index and load the bench database (no queries)")
    build.add_argument("--size", default="scale")
    build.add_argument("--seed", type=int, default=7)
    build.add_argument("--stream", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args()
    if args.command == "build":
        asyncio.run(build_and_load(size=args.size, seed=args.seed, stream=args.stream))
    else:
        asyncio.run(ann_check(size=args.size, seed=args.seed, queries=args.queries, limit=args.limit))


if __name__ == "__main__":
    main()

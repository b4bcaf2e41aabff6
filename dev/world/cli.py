"""``python -m dev.world generate|load|stats``."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dev.world.config import DEFAULT_SEED, SIZES, WorldConfig, default_out_dir


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GiB"


def _config(args: argparse.Namespace) -> WorldConfig:
    size = args.size
    companies = args.companies or SIZES[size]
    if args.companies and args.companies != SIZES[size]:
        size = next((name for name, n in SIZES.items() if n == args.companies), "custom")
    return WorldConfig(seed=args.seed, companies=companies, size=size, requests=args.requests)


def _world_dir(args: argparse.Namespace) -> Path:
    if args.out:
        return Path(args.out)
    return default_out_dir(args.size, args.seed)


def cmd_generate(args: argparse.Namespace) -> int:
    from dev.world.writer import write_world  # noqa: PLC0415

    config = _config(args)
    out = Path(args.out) if args.out else default_out_dir(config.size, config.seed)
    started = time.monotonic()
    manifest = write_world(config, out, progress=not args.quiet)
    elapsed = time.monotonic() - started
    total = sum(int(f["bytes"]) for f in manifest["files"].values())
    print(f"world {config.size} seed={config.seed} companies={config.companies} -> {out}")
    print(f"generated in {elapsed:.1f}s, {_human(total)} total")
    for name, meta in manifest["files"].items():
        print(f"  {name:<18} {meta['lines']:>10} lines {_human(meta['bytes']):>11}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from dev.world.reader import load_world_files  # noqa: PLC0415

    world = load_world_files(_world_dir(args))
    m = world.manifest
    print(
        f"{world.root}: {m['generator']} {m['version']} size={m['size']} seed={m['seed']} "
        f"companies={m['companies']} now={m['world_now']}"
    )
    print(f"prompts: {m['prompts']}")
    for key, value in m["counts"].items():
        print(f"  {key:<34} {value}")
    for name, meta in m["files"].items():
        print(f"  {name:<18} {meta['lines']:>10} lines {_human(meta['bytes']):>11}")
    if args.verify:
        bad = world.verify()
        print("checksums: OK" if not bad else f"checksums: MISMATCH in {', '.join(bad)}")
        return 1 if bad else 0
    return 0


def _read_key(path: str | None) -> str:
    return Path(path).read_text().strip() if path else ""


async def _load(args: argparse.Namespace) -> dict[str, Any]:
    from dev.world.loader import HttpLoader, produce_kafka, shift_times, time_shift_days  # noqa: PLC0415
    from dev.world.reader import load_world_files  # noqa: PLC0415
    from dev.world.writer import Progress  # noqa: PLC0415

    world = load_world_files(_world_dir(args))
    files = world.manifest["files"]
    limit = args.limit
    n_snippets = min(limit, files["snippets.jsonl"]["lines"]) if limit else files["snippets.jsonl"]["lines"]
    snippets: Iterable[dict[str, Any]] = (
        itertools.islice(world.snippets(), limit) if limit else world.snippets()
    )
    outcomes: Iterable[dict[str, Any]] = world.outcomes()
    if args.shift_time:
        days = time_shift_days()
        snippets = shift_times(snippets, "observed_at", days)
        outcomes = shift_times(outcomes, "occurred_at", days)
    report: dict[str, Any] = {}
    show = not args.quiet
    if args.via == "kafka":
        if not args.only_outcomes:
            stats = await produce_kafka(
                bootstrap=args.bootstrap,
                topic=args.snippets_topic,
                records=snippets,
                key_of="company",
                progress=Progress("snippets", n_snippets, enabled=show),
            )
            report["snippets"] = stats.to_json()
        if not args.skip_outcomes:
            stats = await produce_kafka(
                bootstrap=args.bootstrap,
                topic=args.outcomes_topic,
                records=outcomes,
                key_of="domain",
                progress=Progress("outcomes", files["outcomes.jsonl"]["lines"], enabled=show),
            )
            report["outcomes"] = stats.to_json()
        return report
    key = args.key or _read_key(args.key_file)
    if not key:
        raise SystemExit("load over HTTP needs --key or --key-file (a key with the ingest scope)")
    urls = [u for u in args.url.split(",") if u]
    loader = HttpLoader(
        url=urls[0],
        more_urls=urls[1:],
        key=key,
        concurrency=args.concurrency,
        max_throttle_wait=args.max_throttle_wait,
    )
    try:
        if not args.only_outcomes:
            stats = await loader.load_snippets(
                snippets, batch_size=args.batch_size, progress=Progress("snippets", n_snippets, enabled=show)
            )
            report["snippets"] = stats.to_json()
        if not args.skip_outcomes:
            stats = await loader.load_outcomes(
                outcomes,
                batch_size=args.batch_size,
                progress=Progress("outcomes", files["outcomes.jsonl"]["lines"], enabled=show),
            )
            report["outcomes"] = stats.to_json()
    finally:
        await loader.close()
    return report


def cmd_load(args: argparse.Namespace) -> int:
    from dev.world.loader import LoadError  # noqa: PLC0415

    started = time.monotonic()
    try:
        report = asyncio.run(_load(args))
    except LoadError as exc:
        print(f"load failed: {exc}", file=sys.stderr)
        return 2
    report["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(report, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dev.world", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--size", choices=sorted(SIZES), default="tiny", help="tiny=1k demo=20k bench=100k scale=1M"
        )
        p.add_argument("--seed", type=int, default=DEFAULT_SEED)
        p.add_argument(
            "--out", "--dir", dest="out", help="world directory (default .dev/world/<size>-<seed>/)"
        )
        p.add_argument("--quiet", action="store_true", help="no progress bar")

    gen = sub.add_parser("generate", help="write the world's JSON Lines files")
    common(gen)
    gen.add_argument("--companies", type=int, help="override the number of companies")
    gen.add_argument("--requests", type=int, help="override the number of logged seller requests")
    gen.set_defaults(func=cmd_generate)

    stats = sub.add_parser("stats", help="print a generated world's manifest")
    common(stats)
    stats.add_argument("--verify", action="store_true", help="check every file's SHA-256")
    stats.set_defaults(func=cmd_stats)

    load = sub.add_parser("load", help="feed a running service through its ingestion path")
    common(load)
    load.add_argument("--via", choices=("http", "kafka"), default="http")
    load.add_argument(
        "--url",
        default="http://127.0.0.1:8000",
        help="the service; several processes of it comma-separated (snippet batches are spread over them)",
    )
    load.add_argument("--key", help="API key with the ingest scope")
    load.add_argument("--key-file", help="file holding the API key")
    load.add_argument("--bootstrap", default="127.0.0.1:59092", help="Kafka bootstrap servers")
    load.add_argument("--snippets-topic", default="miner.snippets")
    load.add_argument("--outcomes-topic", default="outcome.events")
    load.add_argument("--batch-size", type=int, default=1_000)
    load.add_argument("--concurrency", type=int, default=4)
    load.add_argument(
        "--max-throttle-wait",
        type=float,
        default=60.0,
        help="seconds a throttled batch may wait in total before it is dropped",
    )
    load.add_argument("--limit", type=int, help="load only the first N snippets")
    load.add_argument(
        "--shift-time",
        action="store_true",
        help="move every timestamp by whole days so the world's now becomes today (fresher demo evidence)",
    )
    load.add_argument("--skip-outcomes", action="store_true")
    load.add_argument("--only-outcomes", action="store_true")
    load.set_defaults(func=cmd_load)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code

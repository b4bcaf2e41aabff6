"""Cost per lead and per request across a run: send searches until --leads leads came back.

Usage:
  python -m scripts.cost_test --leads 1000 --url http://127.0.0.1:8000 --key KEY \
      [--server-pid PID] [--concurrency 2] [--repeat-share 0.3 | --unique] [--out .dev/results/cost.json]

Two figures are reported, because the service's per-request meter cannot see everything:
- attributed: the sum of the `metadata.cost_usd` the service returned (CPU measured around each
  request's own work × price per vCPU-second + LLM tokens × prices + enrichment calls);
- fully loaded: the server process's whole CPU time during the run (every request, the event loop,
  HTTP parsing, background tasks; read with psutil for --server-pid and its children, or from
  `process_cpu_seconds_total` on /metrics when the server runs a single process) × the same price,
  plus the attributed LLM and enrichment cost, divided by the leads returned.
Then `python -m scripts.cost_report .dev/results/cost.json` makes the table and the chart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from app.core.config import get_settings
from app.observability.cost import summarize_costs
from tools.loadgen import build_mix, load_prompts

ROOT = Path(__file__).resolve().parents[1]


def server_cpu_seconds(*, pid: int | None, client: httpx.Client, base_url: str) -> float | None:
    if pid:
        import psutil  # noqa: PLC0415 - only with --server-pid (psutil comes with locust)

        proc = psutil.Process(pid)
        total = 0.0
        for p in [proc, *proc.children(recursive=True)]:
            times = p.cpu_times()
            total += times.user + times.system
        return total
    try:
        text = client.get(f"{base_url}/metrics").text
    except httpx.HTTPError:
        return None
    match = re.search(r"^process_cpu_seconds_total\s+([0-9.eE+-]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


def find_prompts() -> Path:
    for size in ("bench", "scale", "demo", "tiny"):
        for path in sorted((ROOT / ".dev" / "world").glob(f"{size}-*/prompts.jsonl")):
            return path
    raise SystemExit("no prompts.jsonl under .dev/world: pass --prompts")


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    prompts = load_prompts(Path(args.prompts) if args.prompts else find_prompts(), split=args.split)
    tag = "" if args.replay_prompts else secrets.token_hex(3)
    mix = build_mix(
        prompts, count=100_000, repeat_share=args.repeat_share, seed=args.seed, unique=args.unique,
        unique_tag=tag,
    )  # fmt: skip
    url = args.url.rstrip("/") + "/v1/leads/search"
    headers = {"authorization": f"Bearer {args.key}"}
    records: list[dict[str, Any]] = []
    leads = 0
    position = 0
    lock = asyncio.Lock()

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal leads, position
        while True:
            async with lock:
                if leads >= args.leads or position >= len(mix):
                    return
                body = mix[position].body
                position += 1
            started = time.perf_counter()
            response = await client.post(url, json=body, headers=headers)
            wall_ms = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                records.append({"status": response.status_code, "error": response.text[:200]})
                continue
            doc = response.json()
            meta = doc["metadata"]
            n = len(doc["leads"])
            records.append(
                {
                    "status": 200,
                    "k": body["k"],
                    "leads": n,
                    "cost_usd": float(meta.get("cost_usd", 0.0)),
                    "cache_hit": bool(meta.get("cache_hit")),
                    "llm_calls": int(meta.get("llm_calls", 0)),
                    "processing_ms": meta.get("processing_time_ms"),
                    "wall_ms": wall_ms,
                }
            )
            async with lock:
                leads += n

    async with httpx.AsyncClient(timeout=args.timeout) as client:
        await asyncio.gather(*(worker(client) for _ in range(args.concurrency)))
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--prompts", default="")
    parser.add_argument("--split", default="test")
    parser.add_argument("--repeat-share", type=float, default=0.3)
    parser.add_argument("--unique", action="store_true")
    parser.add_argument("--replay-prompts", action="store_true", help="no per-run tag (see load_test.py)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--server-pid", type=int, default=0, help="the API process (children included)")
    parser.add_argument("--out", default=str(ROOT / ".dev" / "results" / "cost.json"))
    args = parser.parse_args(argv)
    price = get_settings().price_per_vcpu_second_usd
    base_url = args.url.rstrip("/")
    with httpx.Client(timeout=10) as sync_client:
        cpu_before = server_cpu_seconds(pid=args.server_pid, client=sync_client, base_url=base_url)
        started = time.perf_counter()
        records = asyncio.run(run(args))
        elapsed = time.perf_counter() - started
        cpu_after = server_cpu_seconds(pid=args.server_pid, client=sync_client, base_url=base_url)
    ok = [r for r in records if r["status"] == 200]
    summary = summarize_costs([(r["cost_usd"], r["leads"]) for r in ok])
    server_cpu = (cpu_after - cpu_before) if cpu_before is not None and cpu_after is not None else None
    leads = int(summary["leads"] or 0)
    result: dict[str, Any] = {
        "tool": "scripts/cost_test.py",
        "command": " ".join(["cost_test.py", *(argv if argv is not None else sys.argv[1:])]).replace(
            args.key, "$KEY"
        ),
        "price_per_vcpu_second_usd": price,
        "elapsed_s": elapsed,
        "errors": len(records) - len(ok),
        "cache_hits": sum(1 for r in ok if r["cache_hit"]),
        "llm_calls": sum(r["llm_calls"] for r in ok),
        "attributed": summary,
        "server_cpu_seconds": server_cpu,
        "fully_loaded_per_lead_usd": (server_cpu * price / leads)
        if server_cpu is not None and leads
        else None,
        "attributed_cpu_share_of_server_cpu": (
            (sum(r["cost_usd"] for r in ok) / price) / server_cpu if server_cpu and price else None
        ),
        "requests": records,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    mean = summary["mean_per_lead_usd"]
    p99 = summary["p99_per_lead_usd"]
    full = result["fully_loaded_per_lead_usd"]
    print(
        f"{summary['requests']} requests, {leads} leads in {elapsed:.1f} s; attributed mean/lead "
        f"{'n/a' if mean is None else f'${mean:.3e}'}, P99/lead {'n/a' if p99 is None else f'${p99:.3e}'}; "
        f"fully loaded/lead {'n/a' if full is None else f'${full:.3e}'} "
        f"(server CPU {'n/a' if server_cpu is None else f'{server_cpu:.2f}'} s); errors {result['errors']}"
    )
    print(f"result: {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

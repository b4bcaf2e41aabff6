"""Open-loop load generator for POST /v1/leads/search: a fixed arrival rate, latency measured from
each request's SCHEDULED send time (no coordinated omission), a stated realistic mix.

Usage:
  python -m scripts.load_test --qps 250 --duration 300 --url http://127.0.0.1:8000 --key KEY \
      [--prompts .dev/world/bench-7/prompts.jsonl] [--repeat-share 0.3 | --unique] [--processes 1] \
      [--arrivals fixed|poisson] [--warmup 5] [--out .dev/results/load.json] [--png .dev/results/load.png]
  python -m scripts.load_test --qps 500 --duration 10 --url ... --endpoint /healthz --method GET

The schedule (i / qps) and the request bodies are computed before the run; each generator process
sleeps until a request's time and fires it on its own task, whether or not earlier requests have
answered. A request that waits for a free connection is late: that wait counts in its latency.
`send_lag_ms` in the result shows how late the generator itself sent (if its P99 is more than a few
ms, the generator is saturated: add --processes or pin it to its own core with taskset).
The mix is described in tools/loadgen.py. The result JSON holds the percentiles, the
errors by kind, the achieved rate, the cache-hit rate and the cost per lead the server reported;
the PNG plots latency over time and its histogram.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from tools.loadclient import HttpError, LoadClient
from tools.loadgen import (
    Sample,
    build_mix,
    error_kind,
    fixed_rate_schedule,
    load_prompts,
    poisson_schedule,
    rolling_percentiles,
    split_schedule,
    summarize_run,
)

ROOT = Path(__file__).resolve().parents[1]
Job = tuple[int, float, bytes | None, bool]  # index, offset (s), JSON body, is a repeat


def find_prompts() -> Path | None:
    """The prompts of the largest world generated under .dev/world (bench > demo > tiny)."""
    for size in ("bench", "scale", "demo", "tiny"):
        for path in sorted((ROOT / ".dev" / "world").glob(f"{size}-*/prompts.jsonl")):
            return path
    return None


def parse_response(content: bytes) -> tuple[int, bool | None, float | None, float | None]:
    """(leads, cache_hit, cost_usd, processing_ms) from a search response; zeros for other bodies."""
    try:
        doc = orjson.loads(content)
    except orjson.JSONDecodeError:
        return 0, None, None, None
    if not isinstance(doc, dict) or not isinstance(doc.get("metadata"), dict):
        return 0, None, None, None
    meta = doc["metadata"]
    leads = doc.get("leads")
    cost = meta.get("cost_usd")
    processing = meta.get("processing_time_ms")
    return (
        len(leads) if isinstance(leads, list) else 0,
        meta.get("cache_hit") if isinstance(meta.get("cache_hit"), bool) else None,
        float(cost) if isinstance(cost, int | float) else None,
        float(processing) if isinstance(processing, int | float) else None,
    )


def _error_of(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError | httpx.ConnectError):
        return "connect"
    return "other"


async def _one(send: Callable[[], Awaitable[tuple[int, bytes]]], *, job: Job, start: float) -> Sample:
    index, offset, _, repeat = job
    sent = time.perf_counter() - start
    status, error = 0, None
    leads, cache_hit, cost, processing = 0, None, None, None
    try:
        status, content = await send()
        error = error_kind(status)
        if error is None:
            leads, cache_hit, cost, processing = parse_response(content)
    except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HttpError) as exc:
        error = _error_of(exc)
    except httpx.HTTPError as exc:
        error = _error_of(exc)
    done = time.perf_counter() - start
    return Sample(index, offset, sent, done, status, error, repeat, cache_hit, leads, cost, processing)


async def _run_jobs(jobs: list[Job], config: WorkerConfig) -> list[Sample]:
    headers = {"content-type": "application/json", "accept": "application/json"}
    if config.key:
        headers["authorization"] = f"Bearer {config.key}"
    raw_client = LoadClient(config.url, connections=config.connections, timeout_s=config.timeout_s)
    limits = httpx.Limits(max_connections=config.connections, max_keepalive_connections=config.connections)
    async with httpx.AsyncClient(limits=limits, timeout=config.timeout_s) as httpx_client:

        def sender(body: bytes | None) -> Callable[[], Awaitable[tuple[int, bytes]]]:
            if config.client == "raw":
                raw = raw_client.build(config.method, body, headers)
                return lambda: raw_client.request(raw)

            async def via_httpx() -> tuple[int, bytes]:
                response = await httpx_client.request(
                    config.method, config.url, content=body, headers=headers
                )
                return response.status_code, response.content

            return via_httpx

        senders = [sender(job[2]) for job in jobs]  # requests are built before the clock starts
        start = time.perf_counter() + (config.start_epoch - time.time())
        tasks: list[asyncio.Task[Sample]] = []
        for job, send in zip(jobs, senders, strict=True):
            delay = start + job[1] - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_one(send, job=job, start=start)))
        samples = list(await asyncio.gather(*tasks))
    await raw_client.aclose()
    return samples


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    url: str
    method: str
    key: str
    start_epoch: float
    connections: int
    timeout_s: float
    client: str = "raw"


def run_worker(jobs: list[Job], config: WorkerConfig) -> list[Sample]:
    """One generator process (also used in-process when --processes is 1)."""
    try:
        import uvloop  # noqa: PLC0415 - optional event loop, tried in each worker process

        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(_run_jobs(jobs, config))


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu_model": model,
        "cpus": os.cpu_count(),
        "generator_affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def plot(samples: list[Sample], result: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib  # noqa: PLC0415 - heavy, only for --plot

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415 - heavy, only for --plot
    except ImportError:
        print("matplotlib is not installed: no PNG", file=sys.stderr)
        return False
    ok = [s for s in samples if s.error is None]
    bad = [s for s in samples if s.error is not None]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 8))
    top.scatter([s.scheduled for s in ok], [s.latency_s * 1e3 for s in ok], s=2, alpha=0.25, label="request")
    rows = rolling_percentiles(samples)
    for key, color in (("p50", "tab:green"), ("p95", "tab:orange"), ("p99", "tab:red")):
        top.plot(
            [r["t"] for r in rows], [r[key] for r in rows], color=color, label=f"{key.upper()} per second"
        )
    if bad:
        top_y = max((s.latency_s * 1e3 for s in ok), default=1.0)
        top.scatter([s.scheduled for s in bad], [top_y] * len(bad), marker="x", color="black", label="error")
    for y, text in ((50, "our P95 target 50 ms"), (400, "SLA P95 400 ms"), (550, "SLA P99 550 ms")):
        top.axhline(y, linestyle="--", linewidth=0.8, color="grey")
        top.annotate(text, (0, y), fontsize=7, color="grey")
    top.set_yscale("log")
    top.set_xlabel("scheduled time (s)")
    top.set_ylabel("latency from schedule (ms)")
    top.legend(loc="upper right", fontsize=7)
    lat = result["latency_ms"]
    top.set_title(
        f"{result['target_qps']:g} req/s target, {result['achieved_qps']:.1f} achieved; "
        f"P50 {lat['p50']:.1f} ms, P95 {lat['p95']:.1f} ms, P99 {lat['p99']:.1f} ms; "
        f"errors {result['error_rate'] * 100:.2f} %",
        fontsize=9,
    )
    values = sorted(s.latency_s * 1e3 for s in ok)
    if values:
        low, high = max(values[0], 0.1), max(values[-1], 0.2)
        bins = [low * (high / low) ** (i / 60) for i in range(61)]
        bottom.hist(values, bins=bins)
        bottom.set_xscale("log")
        for key, color in (("p50", "tab:green"), ("p95", "tab:orange"), ("p99", "tab:red")):
            bottom.axvline(lat[key], color=color, label=f"{key.upper()} {lat[key]:.1f} ms")
        bottom.legend(fontsize=7)
    bottom.set_xlabel("latency (ms, log)")
    bottom.set_ylabel("requests")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def build_jobs(args: argparse.Namespace) -> tuple[list[Job], dict[str, Any]]:
    total = args.duration + args.warmup
    schedule = (
        poisson_schedule(qps=args.qps, duration_s=total, seed=args.seed)
        if args.arrivals == "poisson"
        else fixed_rate_schedule(qps=args.qps, duration_s=total)
    )
    if args.method == "GET":
        return [(i, t, None, False) for i, t in enumerate(schedule)], {"kind": "GET, no body"}
    prompts_path = Path(args.prompts) if args.prompts else find_prompts()
    if prompts_path is None or not prompts_path.exists():
        raise SystemExit("no prompts.jsonl found: generate a world (dev/world) or pass --prompts")
    prompts = load_prompts(prompts_path, split=args.split)
    tag = "" if args.replay_prompts else secrets.token_hex(3)
    mix = build_mix(
        prompts, count=len(schedule), repeat_share=args.repeat_share, seed=args.seed, unique=args.unique,
        unique_tag=tag,
    )  # fmt: skip
    jobs: list[Job] = [
        (i, t, orjson.dumps(m.body), m.repeat) for i, (t, m) in enumerate(zip(schedule, mix, strict=True))
    ]
    with_filters = sum(1 for m in mix if "filters" in m.body)
    ks: dict[str, int] = {}
    for m in mix:
        ks[str(m.body["k"])] = ks.get(str(m.body["k"]), 0) + 1
    info = {
        "prompts_file": str(prompts_path),
        "split": args.split,
        "distinct_prompts": len(prompts),
        "repeat_share": 0.0 if args.unique else args.repeat_share,
        "unique": args.unique,
        "unique_tag": tag,
        "with_filters_share": with_filters / len(mix) if mix else 0.0,
        "k_counts": ks,
        "explain_share": sum(1 for m in mix if m.body.get("explain")) / len(mix) if mix else 0.0,
    }
    return jobs, info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--qps", type=float, required=True)
    parser.add_argument("--duration", type=float, required=True, help="measured seconds (after --warmup)")
    parser.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--key", default="", help="API key (scope search)")
    parser.add_argument("--endpoint", default="/v1/leads/search")
    parser.add_argument("--method", default="POST", choices=["POST", "GET"])
    parser.add_argument(
        "--prompts", default="", help="prompts.jsonl (default: the largest world in .dev/world)"
    )
    parser.add_argument("--split", default="test")
    parser.add_argument("--repeat-share", type=float, default=0.3)
    parser.add_argument(
        "--unique", action="store_true", help="every body distinct, never sent before (a fresh tag per run)"
    )
    parser.add_argument(
        "--replay-prompts",
        action="store_true",
        help="send the prompts' plain texts (no per-run tag): bodies repeat across passes and runs, "
        "so the cache answers far more than the stated repeat share",
    )
    parser.add_argument("--arrivals", default="fixed", choices=["fixed", "poisson"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--warmup", type=float, default=0.0, help="seconds sent first and left out of the result"
    )
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--connections", type=int, default=512, help="connection pool size per process")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument(
        "--client", default="raw", choices=["raw", "httpx"], help="raw: the light keep-alive client (default)"
    )
    parser.add_argument("--out", default=str(ROOT / ".dev" / "results" / "load.json"))
    parser.add_argument("--png", default="", help="plot path (default: --out with .png)")
    parser.add_argument(
        "--note", default="", help="free text stored in the result (e.g. the taskset pinning)"
    )
    args = parser.parse_args(argv)

    jobs, mix_info = build_jobs(args)
    url = args.url.rstrip("/") + args.endpoint
    start_epoch = time.time() + 1.0 + 0.2 * args.processes
    print(f"{len(jobs)} requests at {args.qps:g}/s to {url} ({args.processes} process(es))", flush=True)
    config = WorkerConfig(
        url, args.method, args.key, start_epoch, args.connections, args.timeout, args.client
    )
    if args.processes <= 1:
        samples = run_worker(jobs, config)
    else:
        parts = split_schedule([j[1] for j in jobs], args.processes)
        with ProcessPoolExecutor(max_workers=args.processes) as pool:
            futures = [pool.submit(run_worker, [jobs[i] for i, _ in part], config) for part in parts]
            samples = [s for f in futures for s in f.result()]
    measured = [s for s in samples if s.scheduled >= args.warmup]
    shifted = [
        Sample(
            s.index, s.scheduled - args.warmup, s.sent - args.warmup, s.done - args.warmup, s.status, s.error,
            s.repeat, s.cache_hit, s.leads, s.cost_usd, s.processing_ms,
        )
        for s in measured
    ]  # fmt: skip
    scheduled = sum(1 for j in jobs if j[1] >= args.warmup)
    result = summarize_run(shifted, target_qps=args.qps, duration_s=args.duration, scheduled=scheduled)
    result.update(
        tool="scripts/load_test.py",
        command=" ".join([Path(sys.argv[0]).name, *(argv if argv is not None else sys.argv[1:])]).replace(
            args.key or "\0", "$KEY"
        ),
        url=url,
        method=args.method,
        arrivals=args.arrivals,
        warmup_s=args.warmup,
        processes=args.processes,
        client=args.client,
        connections=args.connections,
        timeout_s=args.timeout,
        mix=mix_info,
        machine=machine(),
        note=args.note,
        finished_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=float) + "\n")
    png = Path(args.png) if args.png else out.with_suffix(".png")
    plotted = plot(shifted, result, png)
    lat = result["latency_ms"]
    print(
        f"achieved {result['achieved_qps']:.1f}/s of {args.qps:g}; P50 {lat['p50']:.2f} ms, "
        f"P95 {lat['p95']:.2f} ms, P99 {lat['p99']:.2f} ms, max {lat['max']:.1f} ms; "
        f"errors {result['error_count']} ({result['error_rate'] * 100:.3f} %) {result['errors']}; "
        f"send lag P99 {result['send_lag_ms']['p99']:.2f} ms"
    )
    print(f"result: {out}" + (f"; plot: {png}" if plotted else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The whole SLA measurement in one command: a sequence of `load_test.py` runs and one Markdown table.

    python -m scripts.sla_sweep --url http://127.0.0.1:8000 --key KEY \
        [--prompts .dev/world/bench-7/prompts.jsonl] [--sla-qps 250] [--sla-duration 60] \
        [--rates 10,20,40,60,80] [--unique-rates 10,20,40,60] [--sweep-duration 30] \
        [--generator-cpu 1] [--p95-ms 50] [--out-dir .dev/results/sweep] [--md sweep.md]

Runs, in order, with a pause between them so one run's backlog never spills into the next:
1. the SLA run: `--sla-qps` for `--sla-duration` s with the realistic mix (the stated repeat share);
2. the realistic mix at each of `--rates`;
3. the cache off (`--unique`: every body new) at each of `--unique-rates`.
Every run writes its own result JSON and PNG into `--out-dir`; `validate_sla.py` is applied to the
SLA run. The table gives target and achieved rate, P50/P95/P99, errors, cache hits and cost per lead,
then the highest rate whose P95 stays within `--p95-ms` (our own target) and the first rate at which
the service saturates (achieved < 98 % of the target, or errors > 0.1 %), for each mix.
`--generator-cpu N` pins the load generator to CPU N with `taskset` (the server is not pinned).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SATURATED_SHARE = 0.98
MAX_ERROR_RATE = 0.001


@dataclass(frozen=True, slots=True)
class Run:
    name: str
    mix: str  # "realistic" or "cache off"
    qps: float
    duration: float
    extra: tuple[str, ...] = ()


def rates(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x]


def plan(args: argparse.Namespace) -> list[Run]:
    runs = [Run("sla", "realistic", args.sla_qps, args.sla_duration)]
    runs += [Run(f"realistic_{q:g}", "realistic", q, args.sweep_duration) for q in args.rates]
    runs += [
        Run(f"unique_{q:g}", "cache off", q, args.sweep_duration, ("--unique",)) for q in args.unique_rates
    ]
    return runs


def load_test_command(args: argparse.Namespace, run: Run, out: Path) -> list[str]:
    cmd = [
        sys.executable, "-m", "scripts.load_test",
        "--qps", f"{run.qps:g}", "--duration", f"{run.duration:g}", "--warmup", f"{args.warmup:g}",
        "--url", args.url, "--key", args.key, "--out", str(out), "--note", f"sla_sweep {run.name}",
        *run.extra,
    ]  # fmt: skip
    if args.prompts:
        cmd += ["--prompts", args.prompts]
    if args.generator_cpu is not None:
        taskset = shutil.which("taskset")
        if taskset is None:
            raise SystemExit("--generator-cpu needs taskset (util-linux)")
        cmd = [taskset, "-c", str(args.generator_cpu), *cmd]
    return cmd


def saturated(result: dict[str, Any]) -> bool:
    return bool(
        result["achieved_qps"] < SATURATED_SHARE * result["target_qps"]
        or result["error_rate"] > MAX_ERROR_RATE
    )


def row(run: Run, result: dict[str, Any]) -> str:
    lat = result["latency_ms"]
    cost = result.get("cost") or {}
    per_lead = cost.get("per_lead_mean_usd")
    cells = [
        run.name,
        run.mix,
        f"{result['target_qps']:g}/s",
        f"{result['achieved_qps']:.1f}/s",
        *(f"{lat[p]:,.1f}" if lat.get(p) is not None else "—" for p in ("p50", "p95", "p99")),
        f"{result['error_rate']:.2%}" + (f" {result['errors']}" if result["errors"] else ""),
        f"{result.get('cache_hit_rate', 0.0):.0%}",
        f"${per_lead:.2e}" if per_lead is not None else "—",
    ]
    return "| " + " | ".join(cells) + " |"


def summarise(results: list[tuple[Run, dict[str, Any]]], *, p95_ms: float) -> list[str]:
    lines = []
    limited = [run.name for run, res in results if res["errors"].get("http_4xx")]
    if limited:
        lines.append(
            f"- WARNING: 4xx answers in {', '.join(limited)}: most likely the key's rate limit (429), "
            "which is not the service's capacity; use a key with a limit above the target rate"
        )
    for mix in ("realistic", "cache off"):
        swept = sorted(
            ((r, res) for r, res in results if r.mix == mix and r.name != "sla"), key=lambda x: x[0].qps
        )
        if not swept:
            continue
        within = [
            r.qps
            for r, res in swept
            if not saturated(res) and (res["latency_ms"].get("p95") or 1e9) <= p95_ms
        ]
        first_saturated = next((r.qps for r, res in swept if saturated(res)), None)
        lines.append(
            f"- {mix}: highest swept rate with P95 <= {p95_ms:g} ms: "
            + (f"{max(within):g}/s" if within else "none")
            + "; saturates at: "
            + (
                f"{first_saturated:g}/s"
                if first_saturated is not None
                else f"not within {swept[-1][0].qps:g}/s"
            )
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--prompts", default="")
    parser.add_argument("--sla-qps", type=float, default=250.0)
    parser.add_argument("--sla-duration", type=float, default=60.0)
    parser.add_argument("--rates", type=rates, default=[10, 20, 40, 60, 80])
    parser.add_argument("--unique-rates", type=rates, default=[10, 20, 40, 60])
    parser.add_argument("--sweep-duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--pause", type=float, default=8.0, help="seconds between runs")
    parser.add_argument("--generator-cpu", type=int, default=None)
    parser.add_argument("--p95-ms", type=float, default=50.0)
    parser.add_argument("--out-dir", type=Path, default=ROOT / ".dev/results/sweep")
    parser.add_argument("--md", type=Path, default=None, help="write the table here too")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)

    results: list[tuple[Run, dict[str, Any]]] = []
    sla_verdict = ""
    for i, run in enumerate(plan(args)):
        if i:
            time.sleep(args.pause)
        out = args.out_dir / f"{run.name}.json"
        print(f"== {run.name}: {run.mix} at {run.qps:g}/s for {run.duration:g}s", flush=True)
        done = subprocess.run(load_test_command(args, run, out), cwd=ROOT, check=False)
        if done.returncode != 0 or not out.exists():
            print(f"load_test.py failed for {run.name} (exit {done.returncode})", file=sys.stderr)
            return 2
        results.append((run, json.loads(out.read_text())))
        if run.name == "sla":
            check = subprocess.run(
                [sys.executable, "-m", "scripts.validate_sla", str(out)],
                cwd=ROOT, capture_output=True, text=True, check=False,
            )  # fmt: skip
            sla_verdict = check.stdout.strip()

    lines = [
        "| run | mix | target | achieved | P50 ms | P95 ms | P99 ms | errors | cache hits "
        "| cost/lead (mean) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(row(run, res) for run, res in results),
        "",
        *summarise(results, p95_ms=args.p95_ms),
        "",
        "validate_sla.py on the SLA run:",
        "```",
        sla_verdict,
        "```",
    ]
    table = "\n".join(lines)
    print(table)
    if args.md:
        args.md.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

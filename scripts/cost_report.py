"""Markdown table and chart of a scripts/cost_test.py run (or of a load_test.py result's cost block).

Usage:
  python -m scripts.cost_report .dev/results/cost.json [--md cost.md] [--png cost.png]

The table compares the measured cost per lead with the product's targets: at most $0.002 per lead
on average and at most $0.004 at P99 (lead-weighted: each lead of a request costs cost / leads).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.observability.cost import TARGET_MEAN_PER_LEAD_USD, TARGET_P99_PER_LEAD_USD, summarize_costs


def usd(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"${value:.6f}" if value == 0 or value >= 0.001 else f"${value:.3e}"


def verdict(value: float | None, limit: float) -> str:
    if value is None:
        return "n/a"
    return "meets" if value <= limit else "MISSES"


def markdown(result: dict[str, Any]) -> str:
    s = result["attributed"]
    full = result.get("fully_loaded_per_lead_usd")
    cpu = "n/a" if result.get("server_cpu_seconds") is None else round(result["server_cpu_seconds"], 3)
    rows = [
        "| figure | value | target |",
        "|---|---|---|",
        f"| requests (errors) | {s['requests']} ({result.get('errors', 0)}) | |",
        f"| leads returned | {s['leads']} | |",
        f"| cache hits | {result.get('cache_hits', 'n/a')} | |",
        f"| LLM calls | {result.get('llm_calls', 'n/a')} | |",
        f"| total attributed cost | {usd(s['total_usd'])} | |",
        f"| mean cost per request | {usd(s['mean_per_request_usd'])} | |",
        f"| mean cost per lead (attributed) | {usd(s['mean_per_lead_usd'])} | <= $0.002: "
        f"{verdict(s['mean_per_lead_usd'], TARGET_MEAN_PER_LEAD_USD)} |",
        f"| P50 cost per lead | {usd(s['p50_per_lead_usd'])} | |",
        f"| P99 cost per lead (attributed) | {usd(s['p99_per_lead_usd'])} | <= $0.004: "
        f"{verdict(s['p99_per_lead_usd'], TARGET_P99_PER_LEAD_USD)} |",
        f"| max cost per lead | {usd(s['max_per_lead_usd'])} | |",
        f"| server CPU seconds in the run | {cpu} | |",
        f"| mean cost per lead, fully loaded (server CPU) | {usd(full)} | <= $0.002: "
        f"{verdict(full, TARGET_MEAN_PER_LEAD_USD)} |",
        f"| price per vCPU-second | {usd(result.get('price_per_vcpu_second_usd'))} | |",
    ]
    return "\n".join(rows) + "\n"


def chart(result: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib  # noqa: PLC0415 - heavy, only for the chart

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415 - heavy, only for the chart
    except ImportError:
        print("matplotlib is not installed: no chart", file=sys.stderr)
        return False
    ok = [r for r in result["requests"] if r.get("status") == 200 and r.get("leads")]
    per_lead = sorted(r["cost_usd"] / r["leads"] for r in ok for _ in range(r["leads"]))
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    if per_lead:
        left.hist([v * 1e6 for v in per_lead], bins=50)
        left.axvline(TARGET_MEAN_PER_LEAD_USD * 1e6, color="tab:orange", linestyle="--", label="mean target")
        left.axvline(TARGET_P99_PER_LEAD_USD * 1e6, color="tab:red", linestyle="--", label="P99 target")
        left.set_xscale("symlog")
        left.legend(fontsize=7)
        right.plot([v * 1e6 for v in per_lead], [(i + 1) / len(per_lead) for i in range(len(per_lead))])
        right.set_xscale("symlog")
    left.set_xlabel("cost per lead (micro-USD)")
    left.set_ylabel("leads")
    right.set_xlabel("cost per lead (micro-USD)")
    right.set_ylabel("cumulative share of leads")
    s = result["attributed"]
    fig.suptitle(
        f"{s['leads']} leads from {s['requests']} requests: mean {usd(s['mean_per_lead_usd'])}/lead, "
        f"P99 {usd(s['p99_per_lead_usd'])}/lead",
        fontsize=9,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("result")
    parser.add_argument("--md", default="")
    parser.add_argument("--png", default="")
    args = parser.parse_args(argv)
    result = json.loads(Path(args.result).read_text())
    if "attributed" not in result:  # recompute from the per-request records
        ok = [r for r in result.get("requests", []) if r.get("status") == 200]
        result["attributed"] = summarize_costs([(r["cost_usd"], r["leads"]) for r in ok])
    table = markdown(result)
    print(table, end="")
    if args.md:
        Path(args.md).write_text(table)
    png = Path(args.png) if args.png else Path(args.result).with_suffix(".png")
    if chart(result, png):
        print(f"chart: {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Check a load-test result, or a live Prometheus, against the product SLA; exit 1 when any check fails.

Usage:
  python -m scripts.validate_sla .dev/results/load.json
  python -m scripts.validate_sla --prometheus http://127.0.0.1:9090 --target-qps 250 [--window 5m]

Checks (one line each): P95 < 400 ms, P99 < 550 ms, error rate <= 0.1 %, achieved rate >= 98 % of the
target. Thresholds can be tightened (e.g. --p95-ms 50 for our own target). With --prometheus the
figures come from `http_request_duration_seconds` of POST /v1/leads/search over the window: the
percentiles by histogram_quantile (bucket-interpolated), errors = 5xx share, rate = requests/s.
Exit codes: 0 all pass, 1 a check failed, 2 the input could not be read.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import httpx

from app.observability.sla import (
    ACHIEVED_MIN_SHARE,
    ERROR_RATE_MAX,
    P95_MAX_MS,
    P99_MAX_MS,
    SlaInput,
    check_sla,
)

SEARCH_ROUTE = "/v1/leads/search"


def prometheus_queries(*, route: str, window: str) -> dict[str, str]:
    sel = f'route="{route}"'
    bucket = f"sum by (le) (rate(http_request_duration_seconds_bucket{{{sel}}}[{window}]))"
    total = f"sum(rate(http_request_duration_seconds_count{{{sel}}}[{window}]))"
    errors = f'sum(rate(http_request_duration_seconds_count{{{sel}, status=~"5.."}}[{window}]))'
    return {
        "p95": f"histogram_quantile(0.95, {bucket})",
        "p99": f"histogram_quantile(0.99, {bucket})",
        "rate": total,
        "errors": f"({errors} or vector(0)) / {total}",
        "ok_rate": f'sum(rate(http_request_duration_seconds_count{{{sel}, status=~"2.."}}[{window}]))',
    }


def query_scalar(client: httpx.Client, base_url: str, expr: str) -> float:
    response = client.get(f"{base_url.rstrip('/')}/api/v1/query", params={"query": expr})
    response.raise_for_status()
    doc = response.json()
    if doc.get("status") != "success":
        raise ValueError(f"Prometheus answered {doc.get('status')}: {doc.get('error')}")
    result = doc["data"]["result"]
    if not result:
        return math.nan
    return float(result[0]["value"][1])


def from_prometheus(
    *, base_url: str, route: str, window: str, target_qps: float, timeout_s: float
) -> SlaInput:
    queries = prometheus_queries(route=route, window=window)
    with httpx.Client(timeout=timeout_s) as client:
        values = {name: query_scalar(client, base_url, expr) for name, expr in queries.items()}
    return SlaInput(
        p95_ms=values["p95"] * 1000.0,
        p99_ms=values["p99"] * 1000.0,
        error_rate=values["errors"],
        achieved_qps=values["ok_rate"],
        target_qps=target_qps,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("result", nargs="?", help="a scripts/load_test.py result JSON")
    parser.add_argument("--prometheus", default="", help="query this Prometheus instead of reading a result")
    parser.add_argument("--target-qps", type=float, default=None, help="required with --prometheus")
    parser.add_argument("--window", default="5m")
    parser.add_argument("--route", default=SEARCH_ROUTE)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--p95-ms", type=float, default=P95_MAX_MS)
    parser.add_argument("--p99-ms", type=float, default=P99_MAX_MS)
    parser.add_argument("--max-error-rate", type=float, default=ERROR_RATE_MAX)
    parser.add_argument("--min-achieved-share", type=float, default=ACHIEVED_MIN_SHARE)
    args = parser.parse_args(argv)
    try:
        if args.prometheus:
            if args.target_qps is None:
                parser.error("--target-qps is required with --prometheus")
            measured = from_prometheus(
                base_url=args.prometheus,
                route=args.route,
                window=args.window,
                target_qps=args.target_qps,
                timeout_s=args.timeout,
            )
            source = f"prometheus {args.prometheus} window {args.window}"
        elif args.result:
            measured = SlaInput.from_result(json.loads(Path(args.result).read_text()))
            if args.target_qps is not None:
                measured = SlaInput(
                    measured.p95_ms,
                    measured.p99_ms,
                    measured.error_rate,
                    measured.achieved_qps,
                    args.target_qps,
                )
            source = args.result
        else:
            parser.error("give a result JSON or --prometheus URL")
    except (OSError, ValueError, KeyError, TypeError, httpx.HTTPError) as exc:
        print(f"ERROR  cannot read the measurements: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    checks = check_sla(
        measured,
        p95_max_ms=args.p95_ms,
        p99_max_ms=args.p99_ms,
        error_rate_max=args.max_error_rate,
        achieved_min_share=args.min_achieved_share,
    )
    print(f"SLA checks for {source}")
    for check in checks:
        print(check.line())
    failed = [c.name for c in checks if not c.ok]
    print("SLA MET" if not failed else f"SLA NOT MET: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

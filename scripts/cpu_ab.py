"""Server CPU per uncached search, several servers measured in the same run, round by round.

    python -m scripts.cpu_ab --server before=http://127.0.0.1:18101,PID \
        --server after=http://127.0.0.1:18102,PID --key KEY \
        [--prompts .dev/world/bench-7/prompts.jsonl] [--rounds 6] [--requests 40] \
        [--postgres-pid PID] [--json .dev/results/cpu_ab.json]

Every round sends each server `--requests` searches one at a time (the servers in turn, the order
alternating between rounds), with the realistic mix of k, explain and filters (tools/loadgen.py)
and every prompt tagged new for that server (`--unique`: no answer comes from a cache). Per round
and server: the server process's CPU (psutil: the PID and its children, user + system) divided by
the searches, and what the cost meter attributed (`metadata.cost_usd` / the price of a vCPU-second).
With `--postgres-pid` (the postmaster, e.g. the first line of `.dev/pg/postmaster.pid`), also
PostgreSQL's CPU per search over the round (the postmaster and its backends, live or exited): what
the ANN query, hydration and query log cost the database, on the same cores when it runs beside the
service (nothing else may use that PostgreSQL meanwhile). The medians over the rounds are printed;
the machine's load average is recorded with each round, since other jobs on the machine slow every
server alike.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.core.config import get_settings
from scripts.cost_test import find_prompts, server_cpu_seconds
from tools.loadgen import build_mix, load_prompts
from tools.proc_cpu import tree_cpu_s


@dataclass(frozen=True, slots=True)
class Server:
    name: str
    url: str
    pid: int


def parse_server(text: str) -> Server:
    name, _, rest = text.partition("=")
    url, _, pid = rest.rpartition(",")
    if not name or not url or not pid.isdigit():
        raise argparse.ArgumentTypeError("expected NAME=URL,PID")
    return Server(name, url.rstrip("/"), int(pid))


def one_round(
    client: httpx.Client,
    server: Server,
    bodies: list[dict[str, Any]],
    *,
    key: str,
    price: float,
    postgres_pid: int | None = None,
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {key}"}
    cpu_before = server_cpu_seconds(pid=server.pid, client=client, base_url=server.url) or 0.0
    db_before = tree_cpu_s([postgres_pid])[postgres_pid] if postgres_pid else 0.0
    attributed = 0.0
    leads = 0
    processing: list[float] = []
    errors = 0
    for body in bodies:
        response = client.post(f"{server.url}/v1/leads/search", json=body, headers=headers)
        if response.status_code != 200:
            errors += 1
            continue
        doc = response.json()
        meta = doc["metadata"]
        if meta.get("cache_hit"):
            raise SystemExit(f"{server.name}: a cache hit in an uncached run")
        attributed += float(meta["cost_usd"]) / price
        leads += len(doc["leads"])
        processing.append(float(meta["processing_time_ms"]))
    time.sleep(0.3)  # let the last request's bookkeeping (query log, metrics) land in this round
    cpu = (server_cpu_seconds(pid=server.pid, client=client, base_url=server.url) or 0.0) - cpu_before
    db = tree_cpu_s([postgres_pid])[postgres_pid] - db_before if postgres_pid else None
    answered = len(bodies) - errors
    return {
        "server": server.name,
        "requests": answered,
        "errors": errors,
        "leads": leads,
        "cpu_ms_per_search": cpu / answered * 1e3 if answered else None,
        "attributed_ms_per_search": attributed / answered * 1e3 if answered else None,
        "postgres_ms_per_search": db / answered * 1e3 if answered and db is not None else None,
        "processing_ms_p50": statistics.median(processing) if processing else None,
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", type=parse_server, action="append", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--prompts", default="")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=40, help="searches per server per round")
    parser.add_argument("--warmup", type=int, default=10, help="searches per server before the rounds")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--postgres-pid", type=int, default=None, help="the postmaster: also PostgreSQL's CPU per search"
    )
    args = parser.parse_args()
    prompts = load_prompts(Path(args.prompts) if args.prompts else find_prompts(), split=None)
    price = get_settings().price_per_vcpu_second_usd
    count = args.warmup + args.rounds * args.requests
    run_tag = secrets.token_hex(3)
    # The same bodies (k, explain, filters, prompt) for every server, tagged per server.
    mixes = {
        s.name: [
            m.body
            for m in build_mix(prompts, count=count, seed=args.seed, unique=True, unique_tag=f"{run_tag}{i}")
        ]
        for i, s in enumerate(args.server)
    }
    rounds: list[dict[str, Any]] = []
    with httpx.Client(timeout=60.0) as client:
        for server in args.server:
            one_round(client, server, mixes[server.name][: args.warmup], key=args.key, price=price)
        for r in range(args.rounds):
            order = args.server if r % 2 == 0 else list(reversed(args.server))
            for server in order:
                start = args.warmup + r * args.requests
                bodies = mixes[server.name][start : start + args.requests]
                result = one_round(
                    client, server, bodies, key=args.key, price=price, postgres_pid=args.postgres_pid
                ) | {"round": r}
                rounds.append(result)
                print(json.dumps(result), flush=True)
    summary = {}
    for server in args.server:
        mine = [x for x in rounds if x["server"] == server.name and x["cpu_ms_per_search"] is not None]
        keys = ["cpu_ms_per_search", "attributed_ms_per_search", "processing_ms_p50", "load_average"]
        if args.postgres_pid:
            keys.append("postgres_ms_per_search")
        summary[server.name] = {key: round(statistics.median(x[key] for x in mine), 3) for key in keys} | {
            "requests": sum(x["requests"] for x in mine),
            "errors": sum(x["errors"] for x in mine),
        }
    db_head = f" {'PG ms':>7}" if args.postgres_pid else ""
    print(f"{'server':<12} {'CPU ms/search':>14} {'meter ms':>9} {'P50 ms':>8} {'load':>6}{db_head}")
    for name, s in summary.items():
        db_cell = f" {s['postgres_ms_per_search']:>7.2f}" if args.postgres_pid else ""
        print(
            f"{name:<12} {s['cpu_ms_per_search']:>14.2f} {s['attributed_ms_per_search']:>9.2f} "
            f"{s['processing_ms_p50']:>8.1f} {s['load_average']:>6.1f}{db_cell}"
        )
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "rounds": rounds}, indent=1))


if __name__ == "__main__":
    main()

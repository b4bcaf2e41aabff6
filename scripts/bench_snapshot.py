"""Index snapshot figures: build time and size, API worker start time from the snapshot vs from
PostgreSQL, and the memory of two workers serving side by side (RSS and PSS from /proc/PID/smaps_rollup).

python -m scripts.bench_snapshot --size tiny   # after `python -m scripts.bulk_load --size tiny`
python -m scripts.bench_snapshot --size demo --database leadpoet_world_demo --json .dev/results/snap.json
python -m scripts.bench_snapshot --size demo --serve-only .dev/snapshots/tiled   # an existing snapshot

Uses DATABASE_URL / REDIS_URL of the environment (`.dev/stack.env`), with the database replaced by
`--database` (default `<DATABASE_URL db>_world_<size>`). Each worker is its own uvicorn process (one
worker each) on loopback; Kafka is off. Start time = process start -> first 200 from /readyz; memory
is read after `--searches` uncached searches per worker (a key is minted in the world's database).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from app.core.config import get_settings
from app.leads.snapshot import current_snapshot, read_manifest

ROOT = Path(__file__).resolve().parents[1]


def world_url(database: str | None, size: str) -> str:
    base = get_settings().database_url.rsplit("/", 1)
    return f"{base[0]}/{database or base[1] + '_world_' + size}"


def build(env: dict[str, str], out: Path) -> dict[str, Any]:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "app.cli", "index", "build", "--out", str(out)], env=env, check=True, cwd=ROOT
    )
    wall = time.perf_counter() - started
    path = current_snapshot(out)
    assert path is not None
    manifest = read_manifest(path)
    files = manifest["files"]
    return {
        "build_wall_s": round(wall, 2),
        "companies": manifest["companies"],
        "bytes": sum(int(f["bytes"]) for f in files.values()),
        "bm25_bytes": sum(int(f["bytes"]) for rel, f in files.items() if rel.startswith("bm25/")),
    }


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout_s: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        if proc.poll() is not None:
            raise SystemExit(f"worker on {port} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"worker on {port} not ready in {timeout_s:.0f} s")


def memory(pid: int) -> dict[str, float]:
    """MiB figures of /proc/PID/smaps_rollup (Rss, Pss, Shared_Clean, Private_Dirty...)."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[-1] == "kB":
            out[key] = round(int(parts[0]) / 1024, 1)
    return out


PROMPTS = (
    "IoT sensors that watch refrigeration temperatures for food distributors",
    "fintech startups hiring compliance engineers in Germany",
    "manufacturers adopting predictive maintenance software",
    "hospitals buying patient scheduling tools",
    "ecommerce brands moving to headless commerce platforms",
)


def mint_key(env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "keys", "create", "--name", "bench-snapshot", "--scopes", "search",
         "--quiet"],
        env=env, cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip()


def warm(port: int, key: str, searches: int) -> None:
    """Uncached searches, so the worker touches the store as it serves: every prompt carries a tag of
    this call (" (ref TAG-i)", as tools/loadgen.py does), since the workers share the answer cache
    (Redis) with each other and with earlier runs on the same database."""
    tag = f"{port}-{secrets.token_hex(4)}"
    for i in range(searches):
        prompt = f"{PROMPTS[i % len(PROMPTS)]} (ref {tag}-{i})"
        body = json.dumps({"prompt": prompt, "k": 5 + i // len(PROMPTS)}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/leads/search",
            data=body,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as r:  # noqa: S310 (http://127.0.0.1 above)
            if json.loads(r.read())["metadata"].get("cache_hit"):
                raise SystemExit(f"worker on {port}: a cache hit among the uncached searches")


def serve_pair(
    env: dict[str, str], port: int, timeout_s: float, *, key: str, searches: int
) -> dict[str, Any]:
    """Start two workers one after the other (timing each), serve `searches` uncached searches from
    each, measure both, stop them."""
    procs: list[subprocess.Popen[bytes]] = []
    starts = []
    try:
        for i in range(2):
            proc = subprocess.Popen(
                [
                    sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
                    "--host", "127.0.0.1", "--port", str(port + i), "--workers", "1", "--no-access-log",
                    "--log-level", "warning",
                ],
                env=env, cwd=ROOT,
            )  # fmt: skip
            procs.append(proc)
            starts.append(round(wait_ready(port + i, proc, timeout_s), 2))
        for i in range(len(procs)):
            warm(port + i, key, searches)
        time.sleep(1.0)
        mem = [memory(proc.pid) for proc in procs]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    keys = ("Rss", "Pss", "Shared_Clean", "Private_Clean", "Private_Dirty")
    return {
        "start_s": starts,
        "memory_mib": [{k: m.get(k, 0.0) for k in keys} for m in mem],
        "pss_total_mib": round(sum(m.get("Pss", 0.0) for m in mem), 1),
        "rss_total_mib": round(sum(m.get("Rss", 0.0) for m in mem), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="tiny")
    parser.add_argument("--database", default=None)
    parser.add_argument("--port", type=int, default=18700)
    parser.add_argument("--out", type=Path, default=None, help="snapshot root (default: a temporary one)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds to wait for a worker")
    parser.add_argument("--searches", type=int, default=20, help="searches per worker before measuring")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--serve-only",
        type=Path,
        default=None,
        help="serve two workers from this existing snapshot root only (no build, no PostgreSQL pair)",
    )
    args = parser.parse_args()

    env = dict(os.environ)
    env.update(
        DATABASE_URL=world_url(args.database, args.size),
        KAFKA_BOOTSTRAP_SERVERS="",
        LLM_BASE_URL="",
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY="1",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("INDEX_SNAPSHOT_DIR", None)
    with tempfile.TemporaryDirectory(prefix="leadpoet-snapshots-") as tmp:
        out = args.serve_only or args.out or Path(tmp)
        result: dict[str, Any] = {"size": args.size, "database": env["DATABASE_URL"].rsplit("/", 1)[1]}
        key = mint_key(env)
        if args.serve_only is None:
            result["snapshot"] = build(env, out)
            print(json.dumps(result["snapshot"]), flush=True)
            pair = serve_pair(env, args.port, args.timeout, key=key, searches=args.searches)
            result["from_postgres"] = pair
            print(json.dumps(pair), flush=True)
        else:
            path = current_snapshot(out)
            assert path is not None, f"{out}: no current snapshot"
            result["snapshot"] = {"path": str(path), "companies": read_manifest(path)["companies"]}
        env["INDEX_SNAPSHOT_DIR"] = str(out)
        result["from_snapshot"] = serve_pair(env, args.port, args.timeout, key=key, searches=args.searches)
        print(json.dumps(result["from_snapshot"]), flush=True)
    text = json.dumps(result, indent=1)
    print(text)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text)


if __name__ == "__main__":
    main()

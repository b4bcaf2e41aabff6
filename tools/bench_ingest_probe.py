"""Search-visibility probe for `scripts/bench_ingest.py`: runs the ranker's real in-memory index
(`app.leads.index.LeadIndex`, refreshed by its own `Periodic` every `INDEX_REFRESH_INTERVAL_S`, exactly
as the API process does) against the benchmark database, in its own process, and records when each
sampled snippet became searchable.

    python -m scripts.bench_ingest_probe --samples IDS.json --out RESULT.json   (DATABASE_URL = bench DB)

A sampled snippet is *visible* at the end of the first index refresh (BM25 committed and reloaded, store
row, features and snippet vectors replaced) whose re-read of the snippet's company returned that
snippet's text. The loader is wrapped to see what each refresh read; nothing else is changed. Snippets
the index never shows (exact duplicates, quarantined miners) are counted apart. Times are
`time.monotonic()` (CLOCK_MONOTONIC: one clock for every process on the machine). SIGTERM: write the
result and exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

import app.leads.index as index_module
from app.core.config import REPO_ROOT, Settings
from app.core.db import create_engine, create_sessionmaker
from app.leads import loader
from app.leads.index import LeadIndex
from app.leads.loader import USABLE_STATUSES
from app.ranking.columns import CompanyRecord
from app.ranking.embedding import load_embedder

_original_load = loader.load_companies


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=12).digest()


class ProbedIndex(LeadIndex):
    """LeadIndex plus a record of what each refresh read and how long it took."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seen: dict[uuid.UUID, set[bytes]] = {}  # company -> snippet texts read by this refresh
        self.refreshes: list[dict[str, float]] = []
        self.on_refreshed: Any = None

    async def capture(
        self, session: AsyncSession, ids: Sequence[uuid.UUID], **kw: Any
    ) -> list[CompanyRecord]:
        records: list[CompanyRecord] = await _original_load(session, ids, **kw)
        for rec in records:
            self.seen[rec.id] = {_digest(s.text) for s in rec.snippets}
        return records

    async def refresh(self) -> int:
        self.seen = {}
        started = time.monotonic()
        count = await super().refresh()
        done = time.monotonic()
        self.refreshes.append({"started": started, "done": done, "companies": count})
        if self.on_refreshed is not None and count:
            await self.on_refreshed(done, self.seen)
        return count


async def probe(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    engine = create_engine(settings)
    embedder = await asyncio.to_thread(load_embedder, settings)
    index = ProbedIndex(
        sessionmaker=create_sessionmaker(engine),
        embedder=embedder,
        refresh_interval_s=settings.index_refresh_interval_s,
    )
    setattr(index_module, "load_companies", index.capture)  # noqa: B010 - what each refresh read
    pending: set[str] = set(orjson.loads(await asyncio.to_thread(Path(args.samples).read_bytes)))
    visible: dict[str, float] = {}
    excluded: dict[str, str] = {}
    dsn = make_url(settings.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)

    async def on_refreshed(done: float, seen: dict[uuid.UUID, set[bytes]]) -> None:
        if not pending:
            return
        rows = await conn.fetch(
            "SELECT s.id, s.company_id, s.text, s.status, m.quarantined FROM snippets s "
            "JOIN miners m ON m.id = s.miner_id WHERE s.id = ANY($1::text[])",
            list(pending),
        )
        for r in rows:
            if r["status"] not in USABLE_STATUSES or r["quarantined"]:
                excluded[r["id"]] = r["status"] if not r["quarantined"] else "quarantined_miner"
                pending.discard(r["id"])
            elif _digest(r["text"]) in seen.get(r["company_id"], ()):
                visible[r["id"]] = done
                pending.discard(r["id"])

    index.on_refreshed = on_refreshed
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await index.build()
        index.start()  # the API's refresh loop: sleep INDEX_REFRESH_INTERVAL_S, refresh, repeat
        await asyncio.to_thread(Path(args.out + ".ready").write_text, "ready")
        await stop.wait()
        with contextlib.suppress(Exception):
            await index.stop()
    finally:
        await conn.close()
        await engine.dispose()
    return {
        "visible": visible,
        "excluded": excluded,
        "unseen": sorted(pending),
        "refreshes": index.refreshes,
        "refresh_interval_s": settings.index_refresh_interval_s,
        "store_size": index.store.size,
    }


# --- the benchmark's side: start, stop, report -------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def spread(values: list[float]) -> dict[str, float | None]:
    return {
        "p50": round(percentile(values, 50), 3),
        "p90": round(percentile(values, 90), 3),
        "p99": round(percentile(values, 99), 3),
        "max": round(max(values), 3) if values else None,
        "mean": round(statistics.fmean(values), 3) if values else None,
    }


class SearchProbe:
    """The index probe process (tools/bench_ingest_probe.py) and its result."""

    def __init__(self, env: dict[str, str], samples: list[str], workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.samples_path = workdir / "samples.json"
        self.out = workdir / "probe.json"
        for path in (self.out, Path(f"{self.out}.ready")):
            path.unlink(missing_ok=True)
        self.samples_path.write_bytes(orjson.dumps(samples))
        command = [
            "-m",
            "scripts.bench_ingest_probe",
            "--samples",
            str(self.samples_path),
            "--out",
            str(self.out),
        ]
        self.proc = subprocess.Popen(
            [sys.executable, *command],
            cwd=REPO_ROOT,
            env=env,
        )

    async def ready(self, limit_s: float = 120.0) -> None:
        deadline = time.monotonic() + limit_s
        while not await asyncio.to_thread(Path(f"{self.out}.ready").exists):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the search probe did not start")
            await asyncio.sleep(0.2)

    def stop(self) -> dict[str, Any]:
        self.proc.terminate()
        self.proc.wait(timeout=120)
        result: dict[str, Any] = orjson.loads(self.out.read_bytes()) if self.out.exists() else {}
        return result


def probe_report(probe: dict[str, Any], acked: dict[str, float], visible: dict[str, float]) -> dict[str, Any]:
    """Index visibility per sample, search visibility = the later of index and embedding (ANN)."""
    indexed = {s: t - acked[s] for s, t in probe.get("visible", {}).items() if s in acked}
    searchable = [max(indexed[s], visible[s] - acked[s]) for s in indexed if s in visible]
    refreshes = [r for r in probe.get("refreshes", []) if r["companies"] > 0]
    durations = [r["done"] - r["started"] for r in refreshes]
    per_company = [1000 * (r["done"] - r["started"]) / r["companies"] for r in refreshes]
    return {
        "refresh_interval_s": probe.get("refresh_interval_s"),
        "index_samples": len(indexed),
        "index_excluded": dict(Counter(probe.get("excluded", {}).values())),
        "index_unseen": len(probe.get("unseen", [])),
        "index_visible_s": spread(list(indexed.values())),
        "search_visible_s": spread(searchable),
        "search_visible_within_5s": round(
            sum(1 for v in searchable if v <= 5.0) / max(1, len(searchable)), 4
        ),
        "refreshes": len(refreshes),
        "refresh_s": spread(durations),
        "refresh_companies": spread([float(r["companies"]) for r in refreshes]),
        "refresh_ms_per_company": spread(per_company),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--samples", required=True, help="JSON list of sampled snippet ids")
    parser.add_argument("--out", required=True, help="where to write the result (JSON)")
    args = parser.parse_args()
    result = asyncio.run(probe(args))
    Path(args.out).write_bytes(orjson.dumps(result))
    return 0

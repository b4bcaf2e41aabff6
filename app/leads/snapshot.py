"""Index snapshots: everything a worker builds at start, written once to disk and mapped by every worker.

Layout of a snapshot root (`python -m app.cli index build --out ROOT`):

    ROOT/CURRENT              the id of the newest complete snapshot (replaced atomically)
    ROOT/<id>/manifest.json   format, id, created_at, embedder, watermarks, files with sha256, checksum
    ROOT/<id>/store/*.npy     the lead store's fields (app/ranking/store_files.py)
    ROOT/<id>/bm25/           the tantivy index of the same rows

A snapshot is built in `ROOT/.building-<id>` and renamed into place when complete, then CURRENT
moves to it, so a reader never sees a partial snapshot. The watermarks are read before the first
company is: a worker starting from the snapshot re-reads what changed after them (the index refresh,
with its overlap), so nothing written while the snapshot was built is missed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.catalog.tables import Snippet
from app.core.periodic import Periodic
from app.leads.index import IndexView, LeadIndex
from app.leads.loader import Watermarks
from app.observability.meters import INDEX_SNAPSHOT_CREATED, INDEX_SNAPSHOT_SWAPS
from app.ranking.bm25 import Bm25Index
from app.ranking.columns import LeadStore
from app.ranking.embedding import Embedder
from app.ranking.store_files import read_store, write_store

logger = logging.getLogger(__name__)
# 2: per-company strings, ids and row maps as mapped arrays (app/ranking/mapped.py);
# 3: a company's own sentences in its free snippet slots.
FORMAT = 3
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
BUILDING_PREFIX = ".building-"
SPARE_ROWS_MIN = 1024


class SnapshotError(Exception):
    """A snapshot that cannot be used: missing, incomplete, corrupt or built for another embedder."""


@dataclass(frozen=True, slots=True)
class BuiltSnapshot:
    path: Path
    manifest: dict[str, Any]
    seconds: float
    bytes: int


@dataclass(slots=True)
class OpenedSnapshot:
    """A snapshot's store (arrays mapped copy-on-write) and the path of its BM25 index."""

    path: Path
    manifest: dict[str, Any]
    store: LeadStore
    bm25_path: Path

    @property
    def watermarks(self) -> Watermarks:
        return watermarks_from(self.manifest)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _inventory(directory: Path) -> dict[str, dict[str, Any]]:
    """Every file under `directory` but the manifest: size and sha256, by relative path."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        rel = path.relative_to(directory).as_posix()
        if rel != MANIFEST and not rel.endswith(".lock"):
            out[rel] = {"bytes": path.stat().st_size, "sha256": _file_digest(path)}
    return out


def _checksum(files: dict[str, dict[str, Any]]) -> str:
    lines = "".join(f"{rel}\t{f['bytes']}\t{f['sha256']}\n" for rel, f in sorted(files.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def watermarks_from(manifest: dict[str, Any]) -> Watermarks:
    marks = manifest["watermarks"]
    return Watermarks(
        companies=datetime.fromisoformat(marks["companies"]),
        snippets=datetime.fromisoformat(marks["snippets"]),
        outcomes=datetime.fromisoformat(marks["outcomes"]),
    )


def _new_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ")


async def _max_seq(session: AsyncSession) -> int:
    return int((await session.execute(select(func.coalesce(func.max(Snippet.seq), -1)))).scalar_one())


async def build_snapshot(
    *, sessionmaker: async_sessionmaker[AsyncSession], embedder: Embedder, root: Path, keep: int = 2
) -> BuiltSnapshot:
    """Build the index from PostgreSQL into a new snapshot under `root`, make it CURRENT and delete
    all but the newest `keep` snapshots (workers that mapped a deleted one keep reading it)."""
    started = time.perf_counter()
    created = datetime.now(UTC)
    snapshot_id = _new_id(created)
    work = root / f"{BUILDING_PREFIX}{snapshot_id}"
    await asyncio.to_thread(_prepare, work)
    try:
        async with sessionmaker() as session:
            max_seq = await _max_seq(session)  # before the build: a lower bound, like the watermarks
        bm25 = await asyncio.to_thread(Bm25Index, path=work / "bm25")
        index = LeadIndex(sessionmaker=sessionmaker, embedder=embedder, refresh_interval_s=3600.0, bm25=bm25)
        await index.build()
        await asyncio.to_thread(bm25.finish)
        marks = index.watermarks
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "id": snapshot_id,
            "created_at": created.isoformat(),
            "embedder": {"model_id": embedder.model_id, "dim": embedder.dim},
            "companies": index.store.size,
            "bm25_documents": bm25.num_docs(),
            "watermarks": {
                "companies": marks.companies.isoformat(),
                "snippets": marks.snippets.isoformat(),
                "outcomes": marks.outcomes.isoformat(),
            },
            "max_snippet_seq": max_seq,
        }
        final = await asyncio.to_thread(_write, index.store, work, root / snapshot_id, manifest)
    except BaseException:
        await asyncio.to_thread(shutil.rmtree, work, ignore_errors=True)
        raise
    await asyncio.to_thread(_publish, root, snapshot_id, keep)
    size = sum(int(f["bytes"]) for f in manifest["files"].values())
    seconds = time.perf_counter() - started
    logger.info(
        "index snapshot %s: %d companies, %.1f MB in %.1fs", final, manifest["companies"], size / 1e6, seconds
    )
    return BuiltSnapshot(path=final, manifest=manifest, seconds=seconds, bytes=size)


def spare_rows(size: int) -> int:
    """Empty rows written after the last company: room for the companies created until the next
    snapshot without growing (which would copy every mapped array into the worker's own memory)."""
    return max(SPARE_ROWS_MIN, size // 50)


def _prepare(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)


def _write(store: LeadStore, work: Path, final: Path, manifest: dict[str, Any]) -> Path:
    """Write the store, then the manifest (files, checksum) last, and move the snapshot into place."""
    manifest["store_fields"] = write_store(store, work / "store", spare_rows=spare_rows(store.size))
    manifest["files"] = files = _inventory(work)
    manifest["checksum"] = _checksum(files)
    (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(work, final)
    return final


def _publish(root: Path, snapshot_id: str, keep: int) -> None:
    _set_current(root, snapshot_id)
    _prune(root, keep=keep)


def _set_current(root: Path, snapshot_id: str) -> None:
    tmp = root / f".{CURRENT}.{os.getpid()}"
    tmp.write_text(snapshot_id + "\n")
    os.replace(tmp, root / CURRENT)


def _prune(root: Path, *, keep: int) -> None:
    current = current_snapshot(root)
    snapshots = sorted(
        (p for p in root.iterdir() if p.is_dir() and (p / MANIFEST).is_file()), key=lambda p: p.name
    )
    for old in snapshots[: max(0, len(snapshots) - max(keep, 1))]:
        if old != current:
            shutil.rmtree(old, ignore_errors=True)


def current_snapshot(root: Path) -> Path | None:
    """The directory CURRENT names under `root`; None when there is none (or it is gone)."""
    try:
        snapshot_id = (root / CURRENT).read_text().strip()
    except FileNotFoundError:
        return None
    path = root / snapshot_id
    if not snapshot_id or "/" in snapshot_id or not (path / MANIFEST).is_file():
        return None
    return path


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"{path}: no readable {MANIFEST}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise SnapshotError(f"{path}: snapshot format {manifest.get('format')!r}, this build reads {FORMAT}")
    return manifest


def verify_snapshot(path: Path) -> dict[str, Any]:
    """The manifest, after checking every file's size and sha256 against it (reads every byte)."""
    manifest = read_manifest(path)
    files = _inventory(path)
    if files != manifest["files"] or _checksum(files) != manifest["checksum"]:
        changed = sorted(
            rel for rel in set(files) | set(manifest["files"]) if files.get(rel) != manifest["files"].get(rel)
        )
        raise SnapshotError(f"{path}: files differ from the manifest: {changed[:5]}")
    return manifest


def open_snapshot(path: Path, *, embedder: Embedder, verify: bool = False) -> OpenedSnapshot:
    """Map a snapshot's store (cheap: the arrays are paged in on use). `verify` checks checksums first."""
    manifest = verify_snapshot(path) if verify else read_manifest(path)
    expected = {"model_id": embedder.model_id, "dim": embedder.dim}
    if manifest["embedder"] != expected:
        raise SnapshotError(f"{path}: built with embedder {manifest['embedder']}, this one is {expected}")
    missing = [rel for rel in manifest["files"] if not (path / rel).is_file()]
    if missing:
        raise SnapshotError(f"{path}: missing files {missing[:5]}")
    store = read_store(path / "store", manifest["store_fields"], dim=embedder.dim)
    return OpenedSnapshot(path=path, manifest=manifest, store=store, bm25_path=path / "bm25")


def _link_or_copy(src: str, dst: str) -> None:
    """A hard link where the file system allows it (tantivy never rewrites a segment file in place: a
    write adds new files and replaces meta.json by rename), so the private index shares the
    snapshot's page cache with every worker; else a copy."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _private_bm25(opened: OpenedSnapshot) -> Bm25Index:
    """A private copy of the snapshot's BM25 index (it takes the delta's writes), deleted once the
    index object is gone (the last search holding its view has finished). Its files are hard links
    to the snapshot's where possible (shared pages, no copy); lock files are never shared."""
    private = Path(tempfile.mkdtemp(prefix="leadpoet-bm25-"))
    try:
        shutil.copytree(
            opened.bm25_path,
            private,
            dirs_exist_ok=True,
            copy_function=_link_or_copy,
            ignore=shutil.ignore_patterns("*.lock"),
        )
        bm25 = Bm25Index(path=private)
    except BaseException:
        shutil.rmtree(private, ignore_errors=True)
        raise
    weakref.finalize(bm25, shutil.rmtree, private, ignore_errors=True)
    return bm25


async def load_view(path: Path, *, embedder: Embedder) -> tuple[IndexView, Watermarks]:
    """The snapshot at `path` as an index view (store mapped, BM25 copied) and its watermarks."""
    opened = await asyncio.to_thread(open_snapshot, path, embedder=embedder)
    bm25 = await asyncio.to_thread(_private_bm25, opened)
    created = datetime.fromisoformat(opened.manifest["created_at"])
    view = IndexView(store=opened.store, bm25=bm25, snapshot=path.name, snapshot_created=created)
    return view, opened.watermarks


def _meter_snapshot(view: IndexView) -> None:
    created = view.snapshot_created
    INDEX_SNAPSHOT_CREATED.set(0.0 if created is None else created.timestamp())


async def start_from_snapshot(index: LeadIndex, root: Path) -> bool:
    """Serve `root`'s CURRENT snapshot from `index`, caught up with PostgreSQL (one refresh: what
    changed after the snapshot's watermarks). The store's arrays stay mapped from the snapshot (shared
    with every worker mapping it, copied page by page on write); its BM25 index is copied into a
    private temporary directory, since it takes the refresh's writes. False when there is no current
    snapshot; SnapshotError when it is unusable."""
    path = await asyncio.to_thread(current_snapshot, root)
    if path is None:
        return False
    started = time.perf_counter()
    view, marks = await load_view(path, embedder=index.embedder)
    await index.adopt(view, watermarks=marks)
    mapped = time.perf_counter() - started
    try:
        caught_up = await index.refresh()
    except BaseException:  # back to an empty in-memory index: the caller may build from PostgreSQL
        empty = IndexView(store=LeadStore(dim=index.embedder.dim), bm25=Bm25Index())
        await index.adopt(empty, watermarks=Watermarks())
        raise
    _meter_snapshot(view)
    logger.info(
        "lead index from snapshot %s: %d companies mapped in %.1fs, %d re-read after its watermarks",
        path.name,
        view.store.size,
        mapped,
        caught_up,
    )
    return True


class SnapshotFollower:
    """Swaps `index` to each newer snapshot that CURRENT under `root` names, polled every `interval_s`:
    the new snapshot is mapped and caught up with PostgreSQL while the current view keeps serving,
    then replaces it (`LeadIndex.swap`)."""

    def __init__(self, *, index: LeadIndex, root: Path, interval_s: float) -> None:
        self.index = index
        self.root = root
        self._refused: str | None = None  # an unusable snapshot is not tried again
        self._periodic = Periodic(name="index-snapshot-follow", interval_s=interval_s, action=self.poll)

    async def poll(self) -> bool:
        """Swap to CURRENT when it is newer than the snapshot served (or the index was built from
        PostgreSQL); returns whether it swapped."""
        path = await asyncio.to_thread(current_snapshot, self.root)
        serving = self.index.view.snapshot
        if path is None or path.name == self._refused or (serving is not None and path.name <= serving):
            return False
        started = time.perf_counter()
        try:
            view, marks = await load_view(path, embedder=self.index.embedder)
            read = await self.index.swap(view, watermarks=marks)
        except (SnapshotError, OSError, ValueError, KeyError):
            INDEX_SNAPSHOT_SWAPS.labels(outcome="refused").inc()
            self._refused = path.name
            logger.exception("index snapshot %s unusable: serving %s", path, serving or "the built index")
            return False
        except Exception:
            INDEX_SNAPSHOT_SWAPS.labels(outcome="failed").inc()
            raise  # logged by Periodic; tried again at the next poll
        INDEX_SNAPSHOT_SWAPS.labels(outcome="swapped").inc()
        _meter_snapshot(view)
        logger.info(
            "lead index swapped to snapshot %s in %.1fs: %d companies, %d re-read after its watermarks",
            path.name,
            time.perf_counter() - started,
            view.store.size,
            read,
        )
        return True

    def start(self) -> None:
        self._periodic.start()

    async def stop(self) -> None:
        await self._periodic.stop()

"""A snapshot `--copies` times the size of a built one, for worker start and memory figures at sizes no
database here holds (a million companies from the 20k `demo` world).

python -m scripts.tile_snapshot --source .dev/snapshots/demo --out .dev/snapshots/tiled --copies 50

Copy 0 is the source's rows as they are; copy k > 0 repeats every row with a new id (uuid5 of k and
the id), domain (`t<k>-<domain>`) and name (`<name> <k>`), the same columns, vectors and BM25 document
(re-derived from the source database's companies, `DATABASE_URL`). The watermarks are the source's,
so a worker starting from it against the source database catches up on nothing; the ANN query
(pgvector) finds only copy 0, so search figures from it are not those of a real 1M world. Written
with the snapshot writer itself (same format, manifest and checksums).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import get_settings
from app.core.db import create_engine, create_sessionmaker
from app.leads.loader import load_companies
from app.leads.snapshot import (
    BUILDING_PREFIX,
    _new_id,
    _prepare,
    _publish,
    _write,
    current_snapshot,
    read_manifest,
    spare_rows,
)
from app.ranking.bm25 import Bm25Index, IndexedDocument
from app.ranking.columns import LeadStore, bm25_fields
from app.ranking.mapped import OptionalStringColumn, RowMap, StringColumn, StringSetColumn, UuidColumn
from app.ranking.store_files import read_store
from app.ranking.vectors import QuantizedVectors

TILE_NAMESPACE = uuid.UUID("6c1b9a8e-3f0d-4f5e-9a77-0d7d2f6b1c11")


def tiled_store(source: LeadStore, copies: int) -> LeadStore:
    """`copies` copies of every row of `source` (see the module docstring), with spare rows after."""
    n = source.size
    size = n * copies
    out = LeadStore(dim=source.dim, capacity=size + spare_rows(size))
    for name, value in vars(source).items():
        target = getattr(out, name, None)
        if isinstance(value, QuantizedVectors) and isinstance(target, QuantizedVectors):
            for k in range(copies):
                target.codes[k * n : (k + 1) * n] = value.codes[:n]
                target.scales[k * n : (k + 1) * n] = value.scales[:n]
        elif isinstance(value, np.ndarray) and isinstance(target, np.ndarray) and value.shape[0] > n:
            for k in range(copies):
                target[k * n : (k + 1) * n] = value[:n]
    ids, domains, names = list(source.ids), list(source.domains), list(source.names)
    all_ids = [*ids, *(uuid.uuid5(TILE_NAMESPACE, f"{k}:{i}") for k in range(1, copies) for i in ids)]
    all_domains = [*domains, *(f"t{k}-{d}" for k in range(1, copies) for d in domains)]
    all_names = [*names, *(f"{m} {k}" for k in range(1, copies) for m in names)]
    out.ids = UuidColumn(all_ids)
    out.domains = StringColumn(all_domains)
    out.names = StringColumn(all_names)
    out.industries = OptionalStringColumn(list(source.industries) * copies)
    out.naics = StringColumn(list(source.naics) * copies)
    out.country = StringColumn(list(source.country) * copies)
    out.tech_tokens = StringSetColumn(list(source.tech_tokens) * copies)
    out.row_of_id = RowMap("uuid", {i: row for row, i in enumerate(all_ids)})
    out.row_of_domain = RowMap("str", {d.lower(): row for row, d in enumerate(all_domains)})
    by_name: dict[str, int] = {}
    for row, m in enumerate(all_names):
        if m:
            by_name.setdefault(m.lower(), row)
    out.row_of_name = RowMap("str", by_name)
    out._countries, out._industries = source._countries, source._industries
    out.size = size
    return out


async def source_documents(
    store: LeadStore, sessionmaker: async_sessionmaker[AsyncSession]
) -> list[IndexedDocument]:
    """The BM25 document of every source row, from the companies in the source database."""
    docs = []
    ids = list(store.ids)
    for start in range(0, len(ids), 2000):
        async with sessionmaker() as session:
            records = await load_companies(session, ids[start : start + 2000])
        for rec in records:
            rec.snippets = sorted(rec.snippets, key=lambda s: s.observed_at, reverse=True)
            docs.append(IndexedDocument(row=store.row_of_id[rec.id], fields=bm25_fields(rec)))
    return docs


async def tile_snapshot(
    *, source_root: Path, out_root: Path, copies: int, sessionmaker: async_sessionmaker[AsyncSession]
) -> dict[str, Any]:
    """Write the tiled snapshot of `source_root`'s CURRENT under `out_root` (made its CURRENT)."""
    source_path = current_snapshot(source_root)
    if source_path is None:
        raise SystemExit(f"{source_root}: no current snapshot")
    manifest = read_manifest(source_path)
    started = time.perf_counter()
    source = read_store(source_path / "store", manifest["store_fields"], dim=manifest["embedder"]["dim"])
    docs = await source_documents(source, sessionmaker)
    store = tiled_store(source, copies)
    tiled_s = time.perf_counter() - started
    created = datetime.now(UTC)
    snapshot_id = _new_id(created)
    work = out_root / f"{BUILDING_PREFIX}{snapshot_id}"
    _prepare(work)
    try:
        bm25 = Bm25Index(path=work / "bm25")
        n = source.size
        for k in range(copies):
            bm25.upsert(IndexedDocument(row=d.row + k * n, fields=d.fields) for d in docs)
            bm25.commit()
        bm25.finish()
        out_manifest = {key: manifest[key] for key in ("format", "embedder", "watermarks", "max_snippet_seq")}
        out_manifest.update(
            id=snapshot_id,
            created_at=created.isoformat(),
            companies=store.size,
            bm25_documents=bm25.num_docs(),
            tiled_from={"snapshot": source_path.name, "copies": copies},
        )
        final = _write(store, work, out_root / snapshot_id, out_manifest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _publish(out_root, snapshot_id, keep=1)
    files = out_manifest["files"]
    return {
        "snapshot": str(final),
        "companies": store.size,
        "bytes": sum(int(f["bytes"]) for f in files.values()),
        "bm25_bytes": sum(int(f["bytes"]) for rel, f in files.items() if rel.startswith("bm25/")),
        "tile_s": round(tiled_s, 1),
        "total_s": round(time.perf_counter() - started, 1),
    }


async def _run(source: Path, out: Path, copies: int) -> dict[str, Any]:
    engine = create_engine(get_settings())
    try:
        return await tile_snapshot(
            source_root=source, out_root=out, copies=copies, sessionmaker=create_sessionmaker(engine)
        )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="snapshot root to tile (its CURRENT)")
    parser.add_argument("--out", type=Path, required=True, help="snapshot root to write")
    parser.add_argument("--copies", type=int, default=50)
    args = parser.parse_args()
    print(asyncio.run(_run(args.source, args.out, args.copies)), flush=True)


if __name__ == "__main__":
    main()

"""The lead store written to files and read back: every field equal, arrays memory-mapped copy on
write, fields added to the store included without naming them, unknown types refused."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.core.config import Settings
from app.ranking.columns import Codebook, CompanyRecord, LeadStore
from app.ranking.embedding import Embedder, load_embedder
from app.ranking.store_files import TRANSIENT, read_store, write_store
from app.ranking.vectors import QuantizedVectors
from tests.leads.world_loader import tiny_world
from tools.ranker_world import company_records


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return load_embedder(Settings())


@pytest.fixture(scope="module")
def store(embedder: Embedder) -> LeadStore:
    records: list[CompanyRecord] = company_records(tiny_world())[:50]
    seq = 0
    for rec in records:
        rec.industry = None if seq % 7 == 0 else rec.industry  # some None strings
        for snippet in rec.snippets:
            snippet.seq = seq
            seq += 1
    out = LeadStore(dim=embedder.dim)
    out.upsert(copy.deepcopy(records), embedder=embedder, now=datetime.now(UTC))
    return out


def assert_same(a: Any, b: Any, name: str) -> None:
    if isinstance(a, QuantizedVectors):
        assert isinstance(b, QuantizedVectors)
        assert np.array_equal(a.codes, b.codes), name
        assert np.array_equal(a.scales, b.scales), name
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, name
        assert np.array_equal(a, b), name
    elif isinstance(a, Codebook):
        assert a.codes() == b.codes(), name
    else:
        assert a == b, name


def trimmed(store: LeadStore, name: str, value: Any, rows: int) -> Any:
    """A row-indexed field as written (its first `rows` rows)."""
    if isinstance(value, QuantizedVectors):
        out = QuantizedVectors((0, 1))
        out.codes, out.scales = value.codes[:rows], value.scales[:rows]
        return out
    if isinstance(value, np.ndarray) and value.shape[0] == store.capacity:
        return value[:rows]
    return value


@pytest.mark.parametrize("spare", [0, 5])
def test_every_field_round_trips(store: LeadStore, embedder: Embedder, tmp_path: Path, spare: int) -> None:
    assert store.size + spare < store.capacity  # the rows past the spare ones are not written
    fields = write_store(store, tmp_path, spare_rows=spare)
    back = read_store(tmp_path, fields, dim=embedder.dim)
    assert back.capacity == back.size + spare
    written = {f["name"] for f in fields}
    assert written == set(vars(store)) - TRANSIENT
    for name in written:
        assert_same(trimmed(store, name, getattr(store, name), store.size + spare), getattr(back, name), name)
    # mapped (a plain ndarray view over the mapping: no memmap subclass overhead per indexing)
    assert type(back.company_features) is np.ndarray
    assert isinstance(back.company_features.base, np.memmap)
    assert isinstance(back.doc_vec.codes.base, np.memmap)
    assert None in back.industries


def test_a_store_read_back_takes_writes_without_touching_the_files(
    store: LeadStore, embedder: Embedder, tmp_path: Path
) -> None:
    fields = write_store(store, tmp_path, spare_rows=1)
    on_disk = (tmp_path / "company_features.npy").read_bytes()
    back = read_store(tmp_path, fields, dim=embedder.dim)
    back.company_features[0] += 1.0  # copy on write: this process only
    back.doc_vec.set(1, np.ones(embedder.dim, dtype=np.float32))
    record = CompanyRecord(
        id=uuid.uuid4(),
        domain="snapshot-new.example",
        name="Snapshot New",
        industry="Software Publishers",
        naics_code=None,
        employees=12,
        country="us",
        description="a company added after the snapshot",
    )
    back.upsert([record], embedder=embedder, now=datetime.now(UTC))  # into the spare row, still mapped
    assert isinstance(back.company_features.base, np.memmap)
    assert back.size == store.size + 1
    assert back.find("snapshot new") == store.size
    assert back.row_of_id[record.id] == store.size
    assert (tmp_path / "company_features.npy").read_bytes() == on_disk


def test_a_field_added_to_the_store_is_written_without_naming_it(
    store: LeadStore, embedder: Embedder, tmp_path: Path
) -> None:
    extra = copy.copy(store)
    extra.extra_column = np.arange(store.capacity, dtype=np.float32)  # type: ignore[attr-defined]
    extra.extra_names = [f"n{i}" for i in range(store.size)]  # type: ignore[attr-defined]
    back = read_store(tmp_path, write_store(extra, tmp_path), dim=embedder.dim)
    assert np.array_equal(back.extra_column, np.arange(store.size, dtype=np.float32))  # type: ignore[attr-defined]
    assert back.extra_names == extra.extra_names  # type: ignore[attr-defined]


def test_a_field_of_an_unknown_type_is_refused(store: LeadStore, tmp_path: Path) -> None:
    odd = copy.copy(store)
    odd.odd = object()  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="odd"):
        write_store(odd, tmp_path)

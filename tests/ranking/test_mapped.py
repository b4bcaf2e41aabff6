"""The store's mapped columns and row maps against the lists and dicts they replace: the same answers
after any sequence of writes, from a base (as a snapshot maps it) or from nothing (as a worker
builds it), including keys whose 64-bit hashes collide."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ranking.mapped import (
    OptionalStringColumn,
    RowMap,
    StringColumn,
    StringSetColumn,
    UuidColumn,
    uuid_hashes,
)
from app.ranking.store_files import _load, _write_parts

TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
UUIDS = st.builds(lambda b: uuid.UUID(bytes=b), st.binary(min_size=16, max_size=16))
COLUMNS: list[tuple[type[Any], st.SearchStrategy[Any]]] = [
    (StringColumn, TEXT),
    (OptionalStringColumn, st.none() | TEXT),
    (StringSetColumn, st.frozensets(TEXT, max_size=4)),
    (UuidColumn, UUIDS),
]


def mapped_back(value: Any, tmp: Path, name: str = "field") -> dict[str, Any]:
    """The value's arrays written as .npy files and mapped back (copy on write), as a snapshot does."""
    parts = _write_parts(tmp, name, value.arrays())
    return {part: _load(tmp, file) for part, file in parts.items()}


def assert_same_list(column: Any, expected: list[Any]) -> None:
    assert len(column) == len(expected)
    assert list(column) == expected
    assert column == expected
    assert [column[i] for i in range(len(expected))] == expected
    if expected:
        assert column[-1] == expected[-1]
        assert column[1:3] == expected[1:3]
        assert column.index(expected[-1]) == expected.index(expected[-1])
    with pytest.raises(IndexError):
        column[len(expected)]


@pytest.mark.parametrize(("cls", "values"), COLUMNS, ids=lambda c: getattr(c, "__name__", ""))
def test_a_column_behaves_as_a_list_through_writes(
    cls: type[Any], values: st.SearchStrategy[Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    ops = st.lists(st.tuples(st.booleans(), st.integers(0, 50), values), max_size=20)

    @settings(max_examples=40, deadline=None)
    @given(base=st.lists(values, max_size=12), ops=ops, mapped=st.booleans())
    def check(base: list[Any], ops: list[tuple[bool, int, Any]], mapped: bool) -> None:
        expected = list(base)
        if mapped:
            column = cls.from_arrays(mapped_back(cls(base), tmp_path_factory.mktemp("col")))
            assert column.python_rows == 0
        else:
            column = cls(base)
        assert_same_list(column, expected)
        for append, at, value in ops:
            if append or not expected:
                expected.append(value)
                column.append(value)
            else:
                expected[at % len(expected)] = value
                column[at % len(expected)] = value
            assert_same_list(column, expected)
        # written again (the next snapshot) and mapped back: the same rows
        assert_same_list(cls.from_arrays(mapped_back(column, tmp_path_factory.mktemp("again"))), expected)

    check()


def colliding_uuids(count: int, seed: int) -> list[uuid.UUID]:
    """UUIDs whose two halves xor to the same 64 bits: one hash for all of them."""
    rng = np.random.default_rng(seed)
    target = int(rng.integers(0, 2**63))
    out = []
    for _ in range(count):
        high = int(rng.integers(0, 2**63))
        low = high ^ target
        out.append(uuid.UUID(bytes=high.to_bytes(8, "little") + low.to_bytes(8, "little")))
    return out


def test_colliding_uuids_share_one_hash() -> None:
    raw = np.frombuffer(b"".join(u.bytes for u in colliding_uuids(5, 1)), dtype=np.uint8).reshape(5, 16)
    assert len(set(uuid_hashes(raw).tolist())) == 1


def assert_same_map(rows: RowMap[Any], expected: dict[Any, int], absent: list[Any]) -> None:
    assert len(rows) == len(expected)
    assert set(rows) == set(expected)
    assert rows == expected
    for key, row in expected.items():
        assert rows[key] == row
        assert rows.get(key) == row
        assert key in rows
    for key in absent:
        if key not in expected:
            assert rows.get(key) is None
            assert rows.get(key, -1) == -1
            assert key not in rows
            with pytest.raises(KeyError):
                rows[key]
    keys = [*expected, *absent]
    assert rows.rows_of(keys) == [expected.get(k) for k in keys]
    if rows.key_type == "uuid":  # the same rows from the keys' bytes (the ANN query's answer)
        raw = np.frombuffer(b"".join(k.bytes for k in keys), dtype=np.uint8).reshape(len(keys), 16)
        assert rows.rows_of_raw(raw) == [expected.get(k) for k in keys]


MAP_CASES: list[tuple[str, st.SearchStrategy[Any]]] = [
    ("str", TEXT),
    ("uuid", UUIDS | st.sampled_from(colliding_uuids(6, 7))),
]


@pytest.mark.parametrize(("key_type", "keys"), MAP_CASES, ids=[c[0] for c in MAP_CASES])
def test_a_row_map_behaves_as_a_dict_through_writes(
    key_type: str, keys: st.SearchStrategy[Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    rows_ = st.integers(0, 10**6)
    ops = st.lists(st.tuples(st.booleans(), keys, rows_), max_size=20)

    @settings(max_examples=40, deadline=None)
    @given(
        base=st.dictionaries(keys, rows_, max_size=12),
        ops=ops,
        absent=st.lists(keys, max_size=5),
        mapped=st.booleans(),
    )
    def check(
        base: dict[Any, int], ops: list[tuple[bool, Any, int]], absent: list[Any], mapped: bool
    ) -> None:
        expected = dict(base)
        rows: RowMap[Any] = RowMap(key_type, base)
        if mapped:
            rows = RowMap.from_arrays(key_type, mapped_back(rows, tmp_path_factory.mktemp("map")))
            assert rows.python_keys == 0
        assert_same_map(rows, expected, absent)
        for default, key, row in ops:
            if default:
                assert rows.setdefault(key, row) == expected.setdefault(key, row)
            else:
                rows[key] = expected[key] = row
            assert_same_map(rows, expected, absent)
        again = RowMap.from_arrays(key_type, mapped_back(rows, tmp_path_factory.mktemp("again")))
        assert_same_map(again, expected, absent)

    check()


def test_every_colliding_key_is_found_from_the_base(tmp_path: Path) -> None:
    keys = colliding_uuids(8, 3)
    rows: RowMap[uuid.UUID] = RowMap("uuid", {k: i for i, k in enumerate(keys)})
    back = RowMap.from_arrays("uuid", mapped_back(rows, tmp_path))
    assert [back[k] for k in keys] == list(range(8))
    assert back.rows_of(keys[::-1]) == list(range(8))[::-1]
    assert back.get(colliding_uuids(9, 3)[-1]) is None  # same hash, another key


def test_a_row_map_refuses_a_key_type_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="bytes"):
        RowMap("bytes")


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(st.frozensets(st.sampled_from("abcdefg"), max_size=4), min_size=1, max_size=10),
    changed=st.dictionaries(st.integers(0, 12), st.frozensets(st.sampled_from("abcxyz"), max_size=3)),
    added=st.lists(st.frozensets(st.sampled_from("aby"), max_size=2), max_size=3),
    wanted=st.frozensets(st.sampled_from("abcdxyz"), max_size=4),
    picks=st.lists(st.integers(0, 20), max_size=12),
)
def test_count_in_counts_what_each_row_holds(
    base: list[frozenset[str]],
    changed: dict[int, frozenset[str]],
    added: list[frozenset[str]],
    wanted: frozenset[str],
    picks: list[int],
) -> None:
    column = StringSetColumn.from_arrays(StringSetColumn(base).arrays())
    for value in added:
        column.append(value)
    for row, value in changed.items():
        if row < len(column):
            column[row] = value
    rows = np.array([p % len(column) for p in picks], dtype=np.int64)
    assert column.count_in(rows, wanted).tolist() == [len(wanted & column[int(r)]) for r in rows]
    built = StringSetColumn(list(column))  # no base: every row in Python
    assert built.count_in(rows, wanted).tolist() == column.count_in(rows, wanted).tolist()

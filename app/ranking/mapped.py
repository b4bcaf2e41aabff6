"""Per-company columns and row maps that can live in mapped files instead of Python objects.

The lead store keeps, per company, an id, a domain, a name, a few labels, a set of technology tokens
and three maps to rows (by id, domain and lower-case name). As Python lists and dicts these cost
~2.5 KB a company in every worker (2.5 GB at a million), and reading them from a snapshot loops over
every company. The classes here behave like the list or dict they replace, but read their rows from
flat arrays (usually memory-mapped from a snapshot, shared by every worker mapping it) and keep only
what changed since in Python:

- `StringColumn` / `OptionalStringColumn` / `UuidColumn` / `StringSetColumn`: a sequence over rows;
  rows of the base arrays decoded on access, rows written since in `_changed`, rows appended since in
  `_tail`. Built empty (no base), they are a plain list.
- `RowMap`: a mapping key -> row over a base of 64-bit key hashes (sorted, searched with numpy), the
  keys in the same order (a hash match is confirmed against the key) and the rows; keys set since in
  a dict. It only grows (as the store's dicts did: a company whose domain changes keeps its old key).

`app.ranking.store_files` writes and reads them (`arrays()` / `from_arrays`).
"""

from __future__ import annotations

import bisect
import hashlib
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar, overload

import numpy as np
import numpy.typing as npt

from app.ranking.lookup import sorted_positions

T = TypeVar("T")
K = TypeVar("K", str, uuid.UUID)
Array = npt.NDArray[Any]
_MISSING: Any = object()
EMPTY: frozenset[str] = frozenset()


class _Column(Sequence[T], Generic[T]):
    """Rows [0, _base_len) from the base arrays (or `_changed`), rows after from `_tail`."""

    __slots__ = ("_base_len", "_changed", "_tail")

    def __init__(self, items: Iterable[T] = ()) -> None:
        self._base_len = 0
        self._changed: dict[int, T] = {}
        self._tail: list[T] = list(items)

    def _base(self, row: int) -> T:  # pragma: no cover - only called when there is a base
        raise IndexError(row)

    def __len__(self) -> int:
        return self._base_len + len(self._tail)

    @overload
    def __getitem__(self, row: int) -> T: ...

    @overload
    def __getitem__(self, row: slice) -> list[T]: ...

    def __getitem__(self, row: int | slice) -> T | list[T]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        row = int(row)
        if row < 0:
            row += len(self)
            if row < 0:
                raise IndexError(row)
        if row >= self._base_len:
            return self._tail[row - self._base_len]
        value = self._changed.get(row, _MISSING)
        return self._base(row) if value is _MISSING else value

    def __setitem__(self, row: int, value: T) -> None:
        row = int(row)
        if row < 0:
            row += len(self)
        if 0 <= row < self._base_len:
            self._changed[row] = value
        else:
            self._tail[row - self._base_len] = value

    def append(self, value: T) -> None:
        self._tail.append(value)

    def __iter__(self) -> Iterator[T]:
        for row in range(len(self)):
            yield self[row]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({len(self)} rows, {len(self._changed)} changed, {len(self._tail)} added)"

    @property
    def python_rows(self) -> int:
        """Rows held as Python objects (changed or added since the base was mapped)."""
        return len(self._changed) + len(self._tail)


def _encode_strings(values: Sequence[str]) -> tuple[Array, Array]:
    """UTF-8 bytes of every value back to back (uint8) and the int64 offsets (len + 1) into them."""
    encoded = [v.encode("utf-8", "surrogatepass") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def _ints(array: Array) -> memoryview:
    """The array's buffer as a memoryview: indexing it gives Python ints at list speed (a numpy scalar
    per index costs several times more)."""
    return np.ascontiguousarray(array).data


class _Strings:
    """A base of strings: `data` (uint8) at `offsets` (int64, len + 1); decoded one at a time."""

    __slots__ = ("_offsets", "_view", "data", "offsets")

    def __init__(self, data: Array, offsets: Array) -> None:
        self.data, self.offsets = data, offsets
        self._view = data.data if len(data) else memoryview(b"")
        self._offsets = _ints(offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def get(self, row: int) -> str:
        offsets = self._offsets
        return str(self._view[offsets[row] : offsets[row + 1]], "utf-8", "surrogatepass")


class StringColumn(_Column[str]):
    """A list of strings, one a row."""

    __slots__ = ("_strings",)

    def __init__(self, items: Iterable[str] = ()) -> None:
        super().__init__(items)
        self._strings: _Strings | None = None

    def _base(self, row: int) -> str:
        assert self._strings is not None
        return self._strings.get(row)

    def arrays(self) -> dict[str, Array]:
        data, offsets = _encode_strings(list(self))
        return {"bytes": data, "offsets": offsets}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Array]) -> StringColumn:
        out = cls()
        out._strings = _Strings(arrays["bytes"], arrays["offsets"])
        out._base_len = len(out._strings)
        return out


class OptionalStringColumn(_Column[str | None]):
    """A list of `str | None`, one a row (None kept apart from "" by a mask)."""

    __slots__ = ("_null", "_strings")

    def __init__(self, items: Iterable[str | None] = ()) -> None:
        super().__init__(items)
        self._strings: _Strings | None = None
        self._null: Array | None = None

    def _base(self, row: int) -> str | None:
        assert self._strings is not None
        assert self._null is not None
        return None if self._null[row] else self._strings.get(row)

    def arrays(self) -> dict[str, Array]:
        values = list(self)
        data, offsets = _encode_strings([v or "" for v in values])
        return {"bytes": data, "offsets": offsets, "null": np.array([v is None for v in values], dtype=bool)}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Array]) -> OptionalStringColumn:
        out = cls()
        out._strings = _Strings(arrays["bytes"], arrays["offsets"])
        out._null = arrays["null"]
        out._base_len = len(out._strings)
        return out


class StringSetColumn(_Column[frozenset[str]]):
    """A list of string sets, one a row. The base holds each row's items as int32 codes (CSR: `codes`
    at per-row `offsets`) into a vocabulary (`vocab`: code -> item, a `RowMap` item -> code), so
    `count_in` counts the items of many rows in a set with numpy, without building their sets."""

    __slots__ = ("_code_of", "_codes", "_codes_mv", "_codes_wanted", "_offsets", "_offsets_mv", "_vocab")

    def __init__(self, items: Iterable[frozenset[str]] = ()) -> None:
        super().__init__(items)
        self._vocab: _Strings | None = None
        self._code_of: RowMap[str] = RowMap("str")
        self._codes: Array = np.zeros(0, dtype=np.int32)
        self._offsets: Array = np.zeros(1, dtype=np.int64)
        self._codes_mv = _ints(self._codes)
        self._offsets_mv = _ints(self._offsets)
        self._codes_wanted: dict[frozenset[str], list[int]] = {}  # `_codes_of`, remembered

    def _codes_of(self, wanted: frozenset[str]) -> list[int]:
        """The vocabulary codes of the items of `wanted` the base holds (its vocabulary never changes
        once mapped, so each set's codes are looked up once: a hash and a search per item)."""
        codes = self._codes_wanted.get(wanted)
        if codes is None:
            if len(self._codes_wanted) >= 4096:
                self._codes_wanted.clear()
            codes = [c for c in (self._code_of.get(item) for item in wanted) if c is not None]
            self._codes_wanted[wanted] = codes
        return codes

    def _base(self, row: int) -> frozenset[str]:
        a, b = self._offsets_mv[row], self._offsets_mv[row + 1]
        if a == b:
            return EMPTY
        vocab = self._vocab
        assert vocab is not None
        return frozenset([vocab.get(code) for code in self._codes_mv[a:b]])

    def count_in(self, rows: npt.NDArray[np.int64], items: Iterable[str]) -> npt.NDArray[np.int64]:
        """For each of `rows`, how many of `items` its set holds (`len(set(items) & self[row])`)."""
        wanted = frozenset(items)
        out = np.zeros(len(rows), dtype=np.int64)
        if not wanted or not len(rows):
            return out
        in_base = rows < self._base_len
        if self._changed:
            in_base &= ~np.isin(rows, np.array(list(self._changed), dtype=np.int64))
        for i in np.flatnonzero(~in_base).tolist():
            out[i] = len(wanted & self[int(rows[i])])
        codes = self._codes_of(wanted)
        base = np.flatnonzero(in_base)
        if not codes or not len(base):
            return out
        starts, ends = self._offsets[rows[base]], self._offsets[rows[base] + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        if total:
            owner = np.repeat(np.arange(len(base)), lengths)
            flat = np.arange(total) + np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
            hits = np.isin(self._codes[flat], codes)
            out[base] = np.bincount(owner[hits], minlength=len(base))
        return out

    def arrays(self) -> dict[str, Array]:
        sets = list(self)
        vocab = sorted({item for row in sets for item in row})
        code = {item: i for i, item in enumerate(vocab)}
        codes = np.fromiter((code[item] for row in sets for item in sorted(row)), np.int32)
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum([len(row) for row in sets], out=offsets[1:])
        data, vocab_offsets = _encode_strings(vocab)
        out: dict[str, Array] = {
            "codes": codes,
            "offsets": offsets,
            "vocab.bytes": data,
            "vocab.offsets": vocab_offsets,
        }
        code_of: RowMap[str] = RowMap("str", code)
        out.update({f"code_of.{part}": array for part, array in code_of.arrays().items()})
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Array]) -> StringSetColumn:
        out = cls()
        out._vocab = _Strings(arrays["vocab.bytes"], arrays["vocab.offsets"])
        prefix = "code_of."
        parts = {k.removeprefix(prefix): v for k, v in arrays.items() if k.startswith(prefix)}
        out._code_of = RowMap.from_arrays("str", parts)
        out._codes, out._offsets = arrays["codes"], arrays["offsets"]
        out._codes_mv, out._offsets_mv = _ints(out._codes), _ints(out._offsets)
        out._base_len = len(out._offsets) - 1
        return out


def _uuid_raw(ids: Sequence[uuid.UUID]) -> Array:
    return np.frombuffer(b"".join(i.bytes for i in ids), dtype=np.uint8).reshape(len(ids), 16)


class UuidColumn(_Column[uuid.UUID]):
    """A list of UUIDs, one a row; the base is an (n, 16) uint8 array."""

    __slots__ = ("_raw",)

    def __init__(self, items: Iterable[uuid.UUID] = ()) -> None:
        super().__init__(items)
        self._raw: memoryview | None = None  # the (n, 16) bytes, flat

    def _base(self, row: int) -> uuid.UUID:
        assert self._raw is not None
        return uuid.UUID(bytes=bytes(self._raw[16 * row : 16 * row + 16]))

    def arrays(self) -> dict[str, Array]:
        return {"raw": _uuid_raw(list(self))}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Array]) -> UuidColumn:
        out = cls()
        raw = arrays["raw"]
        out._raw = _ints(raw.reshape(-1))
        out._base_len = len(raw)
        return out


def uuid_hashes(raw: Array) -> Array:
    """64-bit keys of (n, 16) UUID bytes: the two halves xor-ed (both halves vary for every UUID
    version: time-based ones share leading bytes, name-based and random ones none)."""
    halves = np.ascontiguousarray(raw).view("<u8").reshape(len(raw), 2)
    return halves[:, 0] ^ halves[:, 1]  # type: ignore[no-any-return]


def str_hash(key: str) -> int:
    """A 64-bit key of a string, the same in every process (`hash()` is salted per process)."""
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


class RowMap(Mapping[K, int], Generic[K]):
    """A dict key -> row that never shrinks; see the module docstring. `key_type` is "str" or "uuid"."""

    __slots__ = ("_added", "_changed", "_hash_ints", "_hashes", "_key_bytes", "_keys", "_rows", "key_type")

    def __init__(self, key_type: str, items: Mapping[K, int] | None = None) -> None:
        if key_type not in ("str", "uuid"):
            raise ValueError(f"key_type {key_type!r}")
        self.key_type = key_type
        self._hashes: Array = np.zeros(0, dtype=np.uint64)
        self._rows: Array = np.zeros(0, dtype=np.int64)
        self._keys: Array | _Strings | None = None  # (n, 16) uint8 or strings, in hash order
        self._hash_ints = _ints(self._hashes)
        self._key_bytes = memoryview(b"")  # the (n, 16) uint8 keys, flat
        self._changed: dict[K, int] = dict(items or {})
        self._added = len(self._changed)  # keys of `_changed` that the base does not hold

    def _hash(self, key: K) -> int:
        if isinstance(key, uuid.UUID):
            b = key.bytes
            return int.from_bytes(b[:8], "little") ^ int.from_bytes(b[8:], "little")
        return str_hash(key)

    def _base_key(self, i: int) -> K:
        keys = self._keys
        if isinstance(keys, _Strings):
            return keys.get(i)  # type: ignore[return-value]
        return uuid.UUID(bytes=bytes(self._key_bytes[16 * i : 16 * i + 16]))  # type: ignore[return-value]

    def _is_key(self, i: int, key: K) -> bool:
        keys = self._keys
        if isinstance(keys, _Strings):
            return keys.get(i) == key
        return isinstance(key, uuid.UUID) and self._key_bytes[16 * i : 16 * i + 16] == key.bytes

    def _base_get(self, key: K) -> int | None:
        hashes = self._hash_ints
        n = len(hashes)
        if not n or not isinstance(key, str if self.key_type == "str" else uuid.UUID):
            return None
        h = self._hash(key)
        i = bisect.bisect_left(hashes, h)
        while i < n and hashes[i] == h:
            if self._is_key(i, key):
                return int(self._rows[i])
            i += 1
        return None

    @overload
    def get(self, key: K, /) -> int | None: ...

    @overload
    def get(self, key: K, /, default: int | T) -> int | T: ...

    def get(self, key: K, /, default: object = None) -> object:
        row = self._changed.get(key)
        if row is not None:
            return row
        row = self._base_get(key)
        return default if row is None else row

    def __getitem__(self, key: K) -> int:
        row = self.get(key)
        if row is None:
            raise KeyError(key)
        return row

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None  # type: ignore[call-overload]

    def __setitem__(self, key: K, row: int) -> None:
        if key not in self._changed and self._base_get(key) is None:
            self._added += 1
        self._changed[key] = row

    def setdefault(self, key: K, row: int) -> int:
        current = self.get(key)
        if current is not None:
            return current
        self[key] = row
        return row

    def __len__(self) -> int:
        return len(self._hashes) + self._added

    def __iter__(self) -> Iterator[K]:
        changed = self._changed
        for i in range(len(self._hashes)):
            key = self._base_key(i)
            if key not in changed:
                yield key
        yield from changed

    def rows_of(self, keys: Sequence[K]) -> list[int | None]:
        """The row of each key (None when absent), the base searched once for all of them."""
        out: list[int | None] = [self._changed.get(k) for k in keys]
        todo = [i for i, row in enumerate(out) if row is None]
        if not todo or not len(self._hashes):
            return out
        wanted = [keys[i] for i in todo]
        if self.key_type == "uuid" and all(isinstance(k, uuid.UUID) for k in wanted):
            rows, found = self._base_rows_raw(_uuid_raw(wanted))  # type: ignore[arg-type]
            exact = found.tolist()
            for j, i in enumerate(todo):
                # a hash shared by another key (astronomically rare) falls back to the scan
                out[i] = rows[j] if exact[j] else self._base_get(keys[i])
            return out
        for i in todo:
            out[i] = self._base_get(keys[i])
        return out

    def _base_rows_raw(self, raw: Array) -> tuple[list[int | None], npt.NDArray[np.bool_]]:
        """The base's row for each UUID key given as (n, 16) bytes, and whether it is that key's (a
        key absent, or sharing its hash with another, is False): one binary search on the hashes."""
        hashes = uuid_hashes(raw)
        at, same_hash = sorted_positions(self._hashes, hashes)
        assert isinstance(self._keys, np.ndarray)
        exact = same_hash & (self._keys[at] == raw).all(axis=1)
        rows: list[int | None] = self._rows[at].tolist()
        return rows, exact

    def rows_of_raw(self, raw: Array) -> list[int | None]:
        """`rows_of` for UUID keys given as their (n, 16) uint8 bytes: the base searched with numpy,
        no UUID object made unless keys were set since the base was mapped."""
        if self.key_type != "uuid":
            raise TypeError("rows_of_raw needs a uuid RowMap")
        raw = np.ascontiguousarray(raw, dtype=np.uint8).reshape(-1, 16)
        if self._changed or not len(self._hashes):
            return self.rows_of([uuid.UUID(bytes=bytes(key)) for key in raw])  # type: ignore[misc]
        rows, exact = self._base_rows_raw(raw)
        if not exact.all():
            for i in np.flatnonzero(~exact).tolist():
                # a hash shared by another key (astronomically rare) falls back to the scan
                rows[i] = self._base_get(uuid.UUID(bytes=raw[i].tobytes()))  # type: ignore[arg-type]
        return rows

    def arrays(self) -> dict[str, Array]:
        keys = list(self)
        rows = np.fromiter((self[k] for k in keys), dtype=np.int64, count=len(keys))
        if self.key_type == "uuid":
            raw = _uuid_raw(keys) if keys else np.zeros((0, 16), dtype=np.uint8)  # type: ignore[arg-type]
            hashes = uuid_hashes(raw)
            order = np.argsort(hashes, kind="stable")
            return {"hashes": hashes[order], "rows": rows[order], "raw": raw[order]}
        hashes = np.fromiter((str_hash(k) for k in keys), dtype=np.uint64, count=len(keys))  # type: ignore[arg-type]
        order = np.argsort(hashes, kind="stable")
        data, offsets = _encode_strings([keys[int(i)] for i in order])  # type: ignore[misc]
        return {"hashes": hashes[order], "rows": rows[order], "bytes": data, "offsets": offsets}

    @classmethod
    def from_arrays(cls, key_type: str, arrays: Mapping[str, Array]) -> RowMap[Any]:
        out: RowMap[Any] = cls(key_type)
        out._hashes, out._rows = arrays["hashes"], arrays["rows"]
        out._hash_ints = _ints(out._hashes)
        if key_type == "uuid":
            out._keys = arrays["raw"]
            out._key_bytes = _ints(out._keys.reshape(-1))
        else:
            out._keys = _Strings(arrays["bytes"], arrays["offsets"])
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return len(self) == len(other) and all(other.get(k, _MISSING) == v for k, v in self.items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RowMap({self.key_type}, {len(self)} keys, {len(self._changed)} in Python)"

    @property
    def python_keys(self) -> int:
        """Keys held in a Python dict (set since the base was mapped)."""
        return len(self._changed)

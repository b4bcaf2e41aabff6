"""The lead store as files: every field of a `LeadStore`, written and read generically.

`write_store` walks the store's attributes (`vars(store)`) and writes each by its type, so a column
added to `LeadStore` is included without touching this module (a type it does not know raises):

- numpy arrays: `<name>.npy`, row-indexed arrays cut to the store's `size` plus `spare_rows` empty
  rows (companies added later fill them page by page instead of copying every array to grow);
- `QuantizedVectors`: `<name>.codes.npy` and `<name>.scales.npy`;
- the per-row columns and row maps of `app.ranking.mapped` (ids, names, domains, labels, technology
  tokens, key -> row): their flat arrays (`<name>.<part>.npy`), mapped back as they are, so a worker
  holds no Python object per company and reading them back does not loop over the companies;
- other lists of `str | None`: UTF-8 bytes (`<name>.bytes.npy`) + int64 offsets
  (`<name>.offsets.npy`) + a null mask when some are None; lists of UUIDs: an (n, 16) uint8 array;
  lists of string sets: the strings as above plus per-row offsets into them;
- other dicts (str or UUID -> int) and `Codebook`s (a few hundred labels): their keys as above +
  int64 values;
- ints and floats: in the returned description (the manifest).

`read_store` maps the `.npy` files with `np.load(mmap_mode="c")`: pages are shared by every process
reading the same files until one writes a row (copy on write), so workers share the bulk of the
store. Plain lists, dicts and codebooks become Python objects again (each process keeps its own).
Caches and locks (`TRANSIENT`) are not written; a store read back starts them empty.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from app.ranking.columns import Codebook, LeadStore
from app.ranking.mapped import OptionalStringColumn, RowMap, StringColumn, StringSetColumn, UuidColumn
from app.ranking.vectors import QuantizedVectors

# Per-process state rebuilt on use: the lock, the snippet-vector cache and the upsert fingerprints
# (`hash()` of strings differs between processes, so they would not compare anyway).
TRANSIENT = frozenset({"_lock", "_snippet_cache", "_fingerprints"})
Field = dict[str, Any]  # one field's description in the manifest: name, kind, and kind-specific keys
Column = StringColumn | OptionalStringColumn | StringSetColumn | UuidColumn
COLUMNS: dict[str, type[Column]] = {
    "strings": StringColumn,
    "optional_strings": OptionalStringColumn,
    "string_set_column": StringSetColumn,
    "uuids": UuidColumn,
}


def _npy(directory: Path, name: str, array: npt.NDArray[Any]) -> str:
    file = f"{name}.npy"
    np.save(directory / file, np.ascontiguousarray(array), allow_pickle=False)
    return file


def _load(directory: Path, file: str, *, mmap: bool = True) -> npt.NDArray[Any]:
    # "c": copy on write, shared pages until a process writes to them (never written back). Served as
    # a plain ndarray view of the mapping (which it keeps alive): `np.memmap`'s Python-level
    # subclass hooks cost ~5 us on every indexing of a column, dozens of times per search.
    array: npt.NDArray[Any] = np.load(directory / file, mmap_mode="c" if mmap else None, allow_pickle=False)
    return array.view(np.ndarray) if isinstance(array, np.memmap) else array


def _write_strings(directory: Path, name: str, values: Sequence[str | None]) -> list[str]:
    encoded = [(v or "").encode("utf-8", "surrogatepass") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    files = [
        _npy(directory, f"{name}.offsets", offsets),
        _npy(directory, f"{name}.bytes", np.frombuffer(b"".join(encoded), dtype=np.uint8)),
    ]
    if any(v is None for v in values):
        files.append(_npy(directory, f"{name}.null", np.array([v is None for v in values], dtype=bool)))
    return files


def _read_strings(directory: Path, name: str, files: Sequence[str]) -> list[str | None]:
    offsets = _load(directory, f"{name}.offsets.npy", mmap=False).tolist()
    data = _load(directory, f"{name}.bytes.npy", mmap=False).tobytes()
    out: list[str | None] = [
        data[a:b].decode("utf-8", "surrogatepass") for a, b in itertools.pairwise(offsets)
    ]
    if f"{name}.null.npy" in files:
        for i in np.flatnonzero(_load(directory, f"{name}.null.npy", mmap=False)):
            out[int(i)] = None
    return out


def _write_keys(directory: Path, name: str, keys: Sequence[object]) -> tuple[str, list[str]]:
    """Keys of a dict or items of a list: ("uuid", file) or ("str", files)."""
    if keys and all(isinstance(k, uuid.UUID) for k in keys):
        raw = np.frombuffer(b"".join(k.bytes for k in keys), dtype=np.uint8)  # type: ignore[attr-defined]
        return "uuid", [_npy(directory, name, raw.reshape(len(keys), 16))]
    if all(isinstance(k, str) or k is None for k in keys):
        return "str", _write_strings(directory, name, keys)  # type: ignore[arg-type]
    raise TypeError(f"store field {name!r}: cannot write items of type {type(keys[0]).__name__}")


def _read_keys(directory: Path, name: str, key_type: str, files: Sequence[str]) -> list[Any]:
    if key_type == "uuid":
        raw = _load(directory, f"{name}.npy", mmap=False)
        return [uuid.UUID(bytes=bytes(row)) for row in raw]
    return _read_strings(directory, name, files)


def _write_parts(directory: Path, name: str, arrays: dict[str, npt.NDArray[Any]]) -> dict[str, str]:
    return {part: _npy(directory, f"{name}.{part}", array) for part, array in sorted(arrays.items())}


def _read_parts(directory: Path, field: Field) -> dict[str, npt.NDArray[Any]]:
    return {part: _load(directory, file) for part, file in field["parts"].items()}


def _write_direct(directory: Path, name: str, value: object) -> Field | None:
    """A scalar, or a column or row map of `app.ranking.mapped` as its arrays; None for any other."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"name": name, "kind": "scalar", "value": value}
    kind = next((k for k, cls in COLUMNS.items() if type(value) is cls), None)
    if kind is not None or isinstance(value, RowMap):
        parts = _write_parts(directory, name, value.arrays())  # type: ignore[attr-defined]
        field: Field = {"name": name, "kind": kind or "row_map", "parts": parts}
        field["files"] = sorted(parts.values())
        if isinstance(value, RowMap):
            field["key_type"] = value.key_type
        return field
    return None


def _write_field(directory: Path, name: str, value: object, *, size: int, capacity: int) -> Field:
    if (direct := _write_direct(directory, name, value)) is not None:
        return direct
    if not isinstance(value, np.ndarray | QuantizedVectors | list | dict | Codebook):
        raise TypeError(f"store field {name!r}: cannot write a {type(value).__name__}")
    if isinstance(value, np.ndarray):
        rows = value.ndim >= 1 and value.shape[0] == capacity
        return {
            "name": name,
            "kind": "array",
            "rows": rows,
            "files": [_npy(directory, name, value[:size] if rows else value)],
        }
    if isinstance(value, QuantizedVectors):
        return {
            "name": name,
            "kind": "quantized",
            "files": [
                _npy(directory, f"{name}.codes", value.codes[:size]),
                _npy(directory, f"{name}.scales", value.scales[:size]),
            ],
        }
    if isinstance(value, Codebook):
        value = value.codes()
        kind = "codebook"
    else:
        kind = "map" if isinstance(value, dict) else "list"
    if kind == "list":
        items = list(value)
        if items and all(isinstance(v, frozenset | set) for v in items):
            flat = [s for v in items for s in sorted(v)]
            offsets = np.zeros(len(items) + 1, dtype=np.int64)
            np.cumsum([len(v) for v in items], out=offsets[1:])
            files = _write_strings(directory, f"{name}.items", flat)
            files.append(_npy(directory, f"{name}.rows", offsets))
            return {"name": name, "kind": "string_sets", "files": files}
        key_type, files = _write_keys(directory, name, items)
        return {"name": name, "kind": "list", "key_type": key_type, "files": files}
    mapping: dict[Any, Any] = value  # type: ignore[assignment]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in mapping.values()):
        raise TypeError(f"store field {name!r}: only dicts of int values are written")
    key_type, files = _write_keys(directory, f"{name}.keys", list(mapping))
    files.append(_npy(directory, f"{name}.values", np.fromiter(mapping.values(), np.int64, len(mapping))))
    return {"name": name, "kind": kind, "key_type": key_type, "files": files}


def write_store(store: LeadStore, directory: Path, *, spare_rows: int = 0) -> list[Field]:
    """Write every non-transient field of `store` into `directory` (row-indexed ones with
    `spare_rows` empty rows after the last used one); returns their descriptions."""
    directory.mkdir(parents=True, exist_ok=True)
    with store.lock:
        rows = store.size + max(spare_rows, 0)
        store.reserve(rows)
        capacity = store.capacity
        return [
            _write_field(directory, name, value, size=rows, capacity=capacity)
            for name, value in sorted(vars(store).items())
            if name not in TRANSIENT
        ]


def _read_quantized(directory: Path, field: Field) -> QuantizedVectors:
    vectors = QuantizedVectors((0, 1))
    vectors.codes, vectors.scales = _load(directory, field["files"][0]), _load(directory, field["files"][1])
    return vectors


def _read_string_sets(directory: Path, field: Field) -> list[frozenset[str | None]]:
    items = _read_strings(directory, f"{field['name']}.items", field["files"])
    offsets = _load(directory, f"{field['name']}.rows.npy", mmap=False).tolist()
    return [frozenset(items[a:b]) for a, b in itertools.pairwise(offsets)]


def _read_map(directory: Path, field: Field) -> dict[Any, int]:
    keys = _read_keys(directory, f"{field['name']}.keys", field["key_type"], field["files"])
    values = _load(directory, f"{field['name']}.values.npy", mmap=False).tolist()
    return dict(zip(keys, values, strict=True))


def _column_reader(cls: type[Column]) -> Callable[[Path, Field], object]:
    return lambda directory, field: cls.from_arrays(_read_parts(directory, field))


READERS: dict[str, Callable[[Path, Field], object]] = {
    "scalar": lambda _directory, field: field["value"],
    "array": lambda directory, field: _load(directory, field["files"][0]),
    "quantized": _read_quantized,
    "string_sets": _read_string_sets,
    "list": lambda directory, field: _read_keys(directory, field["name"], field["key_type"], field["files"]),
    "map": _read_map,
    "codebook": lambda directory, field: Codebook(_read_map(directory, field)),
    **{kind: _column_reader(cls) for kind, cls in COLUMNS.items()},
    "row_map": lambda directory, field: RowMap.from_arrays(field["key_type"], _read_parts(directory, field)),
}


def read_store(directory: Path, fields: Sequence[Field], *, dim: int) -> LeadStore:
    """The store `write_store` wrote: arrays memory-mapped (copy on write), the rest rebuilt."""
    store = LeadStore(dim=dim, capacity=1)
    for field in fields:
        setattr(store, field["name"], READERS[field["kind"]](directory, field))
    return store

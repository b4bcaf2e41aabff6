"""The intent prior's fill without scoring every company: one order per store, walked per search.

The prior of a row (`prior_from`) is its `intent_total` times a factor the prompt decides: 1 in a
target sector (or with none), `OFF_SECTOR_WEIGHT` outside, times 0.5 + size fit (size fit in [0, 1];
the size part is at most `max_factor(parsed)`: 1.5 with an employee range, else 1). The rows sorted
by intent (best first, ties by row), with each sector's positions in that order, are computed once
per store and kept while its intent and sector columns are unchanged (`IntentOrder`). A search walks
that order in growing chunks, scoring only the rows it reaches: with target sectors as two walks,
the sectors' own rows (factor up to 1 x the size part) and every other row (up to
`OFF_SECTOR_WEIGHT` x the size part), each time advancing the walk whose next row could score
most, and stops once it holds `count` admissible rows whose last prior is above what any row not
reached yet could score. The picks are exactly those of scoring every row (`prior_picks` is checked
against `best_admissible` over `prior_scores` in tests/leads/test_prior.py), ties included: the
stop needs a strict margin, so a row not reached can never tie with the last pick.

Writes to the store (an index refresh, the in-memory delta over a snapshot) bump its `generation`;
the next search compares the intent and sector columns with those the order was built from: changed
and new rows are scored on their own every search, the order is rebuilt once they exceed
`REBUILD_FRACTION` of the store (or `REBUILD_MIN_ROWS`).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from app.ranking.columns import COMPANY_FEATURES, LeadStore
from app.ranking.features import size_fit
from app.ranking.lookup import sorted_positions
from app.ranking.prompt import ParsedPrompt

if TYPE_CHECKING:
    from app.leads.candidates import HardFilters

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

INTENT_COLUMN = COMPANY_FEATURES.index("intent_total")
OFF_SECTOR_WEIGHT = 0.5
# Rows changed since the order was built, scored apart every search, until they exceed this share
# of the store (or `REBUILD_MIN_ROWS`) and the order is rebuilt.
REBUILD_FRACTION = 1 / 32
REBUILD_MIN_ROWS = 4096
# Relative margin on the bound: the prior is a product of float32 roundings of the same factors.
BOUND_MARGIN = 1e-5


@dataclass(slots=True)
class IntentOrder:
    """Rows [0, size) by intent (best first, ties by row), the intents they were sorted by, where
    each NAICS sector's rows are in that order, and the rows written since (scored apart: `changed`,
    marked in `skip`)."""

    size: int
    rows: npt.NDArray[np.int32]
    sorted_intent: FloatArray  # intent of rows[i], as sorted
    sector_positions: dict[int, npt.NDArray[np.int64]]  # sector -> its positions in `rows`, ascending
    intent: FloatArray  # the intent column the order was built from (index = row)
    sector: npt.NDArray[np.int16]  # the sector column it was built from
    generation: int
    changed: IntArray
    skip: npt.NDArray[np.bool_] | None  # True for changed rows below `size`; None when none


_ORDERS: weakref.WeakKeyDictionary[LeadStore, IntentOrder] = weakref.WeakKeyDictionary()


def _intent(store: LeadStore) -> FloatArray:
    return np.asarray(store.company_features[: store.size, INTENT_COLUMN], dtype=np.float32)


def _build(store: LeadStore) -> IntentOrder:
    generation = store.generation  # read first: a write meanwhile makes the next search look again
    intent = _intent(store).copy()
    sector = np.array(store.sector[: store.size], dtype=np.int16)
    size = len(intent)
    rows = np.lexsort((np.arange(size), -intent))
    by_sector = np.argsort(sector[rows], kind="stable")  # positions, grouped by sector, ascending in each
    sectors, starts = np.unique(sector[rows][by_sector], return_index=True)
    bounds = [*starts.tolist(), size]
    return IntentOrder(
        size=size,
        rows=rows.astype(np.int32),
        sorted_intent=intent[rows],
        sector_positions={
            int(code): by_sector[bounds[i] : bounds[i + 1]] for i, code in enumerate(sectors.tolist())
        },
        intent=intent,
        sector=sector,
        generation=generation,
        changed=np.zeros(0, dtype=np.int64),
        skip=None,
    )


def intent_order(store: LeadStore) -> IntentOrder:
    """The store's order, brought up to date with its writes (see the module docstring)."""
    order = _ORDERS.get(store)
    if order is None:
        order = _ORDERS[store] = _build(store)
        return order
    generation = store.generation
    if generation == order.generation:
        return order
    old, size = order.size, store.size
    differs = (_intent(store)[:old] != order.intent[:size]) | (
        store.sector[: min(old, size)] != order.sector[:size]
    )
    changed = np.concatenate([np.flatnonzero(differs), np.arange(old, size)]).astype(np.int64)
    if len(changed) > max(REBUILD_MIN_ROWS, int(size * REBUILD_FRACTION)):
        order = _ORDERS[store] = _build(store)
        return order
    skip = None
    if len(changed):
        skip = np.zeros(old, dtype=bool)
        skip[changed[changed < old]] = True
    order.changed, order.skip, order.generation = changed, skip, generation
    return order


def max_factor(parsed: ParsedPrompt) -> float:
    """The largest factor the prompt's prior puts on a row's intent (sector weight x (0.5 + size fit))."""
    sized = parsed.employees_min is not None or parsed.employees_max is not None
    return 1.5 if sized else 1.0


def sector_and_size(
    store: LeadStore, parsed: ParsedPrompt, rows: IntArray | None = None
) -> tuple[npt.NDArray[np.bool_] | None, FloatArray | None]:
    """Per row (every stored row, or `rows`): in one of the prompt's NAICS sectors, and the size fit
    (None when the prompt names none)."""
    sector = store.sector[: store.size] if rows is None else store.sector[rows]
    sectors = [int(s) for s in parsed.industries if s.isdigit()]
    in_sector = np.isin(sector, sectors) if sectors else None
    if parsed.employees_min is None and parsed.employees_max is None:
        return in_sector, None
    employees = store.employees[: store.size] if rows is None else store.employees[rows]
    return in_sector, size_fit(employees, parsed.employees_min, parsed.employees_max)


def prior_from(
    intent: FloatArray, in_sector: npt.NDArray[np.bool_] | None, sf: FloatArray | None
) -> FloatArray:
    """Intent evidence, times `OFF_SECTOR_WEIGHT` off the prompt's sectors, times (0.5 + size fit)."""
    prior = intent.astype(np.float32)
    if in_sector is not None:
        prior *= np.where(in_sector, np.float32(1.0), np.float32(OFF_SECTOR_WEIGHT))
    if sf is not None:
        prior *= np.float32(0.5) + sf
    return prior


def prior_scores(store: LeadStore, parsed: ParsedPrompt) -> FloatArray:
    """The prior of every stored row (index = row)."""
    return prior_from(_intent(store), *sector_and_size(store, parsed))


def row_priors(store: LeadStore, parsed: ParsedPrompt, rows: IntArray) -> FloatArray:
    """The prior of `rows` (the same values as `prior_scores(...)[rows]`)."""
    intent = store.company_features[rows, INTENT_COLUMN]
    return prior_from(intent, *sector_and_size(store, parsed, rows))


@dataclass(slots=True)
class _Stream:
    """Positions in the intent order walked best first, with the largest factor any of them can get."""

    positions: IntArray | None  # None: every position
    factor: float
    at: int = 0
    step: int = 0

    def bound(self, order: IntentOrder) -> float:
        """The highest prior a row not reached yet can have (-inf once every row is reached)."""
        total = len(self.positions) if self.positions is not None else len(order.rows)
        if self.at >= total:
            return -np.inf
        position = int(self.positions[self.at]) if self.positions is not None else self.at
        return self.factor * max(float(order.sorted_intent[position]), 0.0)

    def take(self, order: IntentOrder) -> IntArray:
        """The next chunk's rows (the step grows 4x each time)."""
        end = self.at + self.step
        if self.positions is None:
            rows = order.rows[self.at : end].astype(np.int64)
        else:
            rows = order.rows[self.positions[self.at : end]].astype(np.int64)
        self.at, self.step = end, self.step * 4
        return rows


def prior_picks(
    *,
    store: LeadStore,
    parsed: ParsedPrompt,
    filters: HardFilters,
    taken: Sequence[int] | IntArray,
    count: int,
) -> IntArray:
    """Up to `count` rows with a finite prior that pass `filters` and are not in `taken`, best prior
    first (ties by row): the rows scoring every company would give, scoring only as many as the
    bounds need (module docstring). With target sectors, two walks: the sectors' rows (factor up to
    1) and every row (up to `OFF_SECTOR_WEIGHT` for the others; the sectors' rows are skipped)."""
    if count <= 0 or store.size == 0:
        return np.zeros(0, dtype=np.int64)
    order = intent_order(store)
    size_factor = max_factor(parsed) * (1.0 + BOUND_MARGIN)
    sectors = sorted({int(s) for s in parsed.industries if s.isdigit()})
    excluded = np.unique(np.asarray(taken, dtype=np.int64))
    best_rows = np.zeros(0, dtype=np.int64)
    best_prior = np.zeros(0, dtype=np.float32)

    def consider(rows: IntArray) -> None:
        nonlocal best_rows, best_prior
        if len(excluded):  # sorted and unique: membership by binary search (np.isin sorts both)
            rows = rows[~sorted_positions(excluded, rows)[1]]
        prior = row_priors(store, parsed, rows)
        ok = np.isfinite(prior)
        if len(best_rows) == count:  # only rows that can still make the cut are tested by the filters
            ok &= prior >= best_prior[-1]
        rows, prior = rows[ok], prior[ok]
        keep = filters.mask(store, rows)
        rows = np.concatenate([best_rows, rows[keep]])
        prior = np.concatenate([best_prior, prior[keep]])
        pick = np.lexsort((rows, -prior))[:count]
        best_rows, best_prior = rows[pick], prior[pick]

    if len(order.changed):
        consider(order.changed)
    first = count + count // 4 + 64
    if sectors:
        parts = [order.sector_positions[s] for s in sectors if s in order.sector_positions]
        inside = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        streams = [
            _Stream(inside, size_factor, step=first),
            _Stream(None, size_factor * OFF_SECTOR_WEIGHT, step=first),
        ]
    else:
        streams = [_Stream(None, size_factor, step=first)]
    in_sectors = np.asarray(sectors, dtype=np.int16)
    while True:
        bounds = [stream.bound(order) for stream in streams]
        highest = max(bounds)
        if highest == -np.inf:
            break  # every row reached
        if len(best_rows) == count and float(best_prior[-1]) > highest:
            break  # no row not reached yet can score as much as the last pick
        stream = streams[bounds.index(highest)]
        rows = stream.take(order)  # rows below `order.size`
        if order.skip is not None:
            rows = rows[~order.skip[rows]]  # changed since the order was built: scored apart
        if stream.positions is None and sectors:
            rows = rows[~np.isin(order.sector[rows], in_sectors)]  # the sectors' own walk has them
        consider(rows)
    return best_rows

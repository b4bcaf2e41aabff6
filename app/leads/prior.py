"""The third candidate source: a firmographic and intent prior that fills the candidate budget.

BM25 and the ANN miss buyers whose evidence shares no words and little meaning with the prompt (a
"CRM" prompt versus "our pipeline is a shared Excel file"). What those buyers do have is recent
intent evidence (hiring, news, tech changes, employee voice) and, often, the sector and size the
prompt targets. The prior ranks every company by

    intent_total x (1 if its NAICS sector is a parsed target, 0.5 otherwise; 1 with no target)
                 x (0.5 + size fit to the parsed employee range)

and adds the best ones that pass the hard filters until the union reaches the budget. Numpy over
the store's columns (no per-company Python): about a millisecond at 100k companies.
Chosen on the tiny world's validation prompts over intent_total alone, evidence volume, employee
voice and vendor-discounted variants (docs/EVALUATION.md, "Candidate recall").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from app.leads.retrieve import HardFilters
from app.ranking.columns import COMPANY_FEATURES, LeadStore
from app.ranking.features import RRF_K, size_fit
from app.ranking.prompt import ParsedPrompt

INTENT_COLUMN = COMPANY_FEATURES.index("intent_total")
OFF_SECTOR_WEIGHT = 0.5
FIT_TIE_BREAK = 1e-3
# The fused fill: rows taken per signal into its pool, and the weights of the signals' reciprocal
# ranks (chosen on the tiny world's train + validation prompts, docs/EVALUATION.md).
FILL_POOL = 1000
FUSED_WEIGHTS = {"prior": 1.0, "cos_intent": 1.0, "cos_doc": 2.0, "fit": 2.0}


FloatArray = npt.NDArray[np.float32]


def _sector_and_size(
    store: LeadStore, parsed: ParsedPrompt
) -> tuple[npt.NDArray[np.bool_] | None, FloatArray | None]:
    """Per row: in one of the prompt's NAICS sectors, and the size fit (None when the prompt names none)."""
    n = store.size
    sectors = [int(s) for s in parsed.industries if s.isdigit()]
    in_sector = np.isin(store.sector[:n], sectors) if sectors else None
    sized = parsed.employees_min is not None or parsed.employees_max is not None
    fit = size_fit(store.employees[:n], parsed.employees_min, parsed.employees_max) if sized else None
    return in_sector, fit


def _prior(intent: FloatArray, in_sector: npt.NDArray[np.bool_] | None, sf: FloatArray | None) -> FloatArray:
    """Intent evidence, halved off the prompt's sectors, times (0.5 + size fit)."""
    prior = intent.astype(np.float32)
    if in_sector is not None:
        prior *= np.where(in_sector, np.float32(1.0), np.float32(OFF_SECTOR_WEIGHT))
    if sf is not None:
        prior *= np.float32(0.5) + sf
    return prior


def prior_scores(store: LeadStore, parsed: ParsedPrompt) -> FloatArray:
    """The prior of every stored row (index = row)."""
    return _prior(store.company_features[: store.size, INTENT_COLUMN], *_sector_and_size(store, parsed))


def top_rows(score: npt.NDArray[np.float32], window: int) -> npt.NDArray[np.int64]:
    """The `window` best rows by (score descending, row ascending), in that order: exactly, ties at
    the cut included by row, so the prior's picks never depend on how wide a window was searched."""
    n = len(score)
    if window >= n:
        rows = np.arange(n, dtype=np.int64)
    else:
        part = np.argpartition(-score, window - 1)[:window]
        cut = score[part].min()
        above = part[score[part] > cut]
        ties = np.flatnonzero(score == cut)[: window - len(above)]
        rows = np.concatenate([above, ties]).astype(np.int64)
    return rows[np.lexsort((rows, -score[rows]))]


def best_admissible(
    *, store: LeadStore, score: npt.NDArray[np.float32], filters: HardFilters, count: int
) -> npt.NDArray[np.int64]:
    """Up to `count` rows with a finite `score`, best first (ties by row), that pass `filters`.
    `score` is consumed (examined rows are set to -inf)."""
    n = len(score)
    picked: list[npt.NDArray[np.int64]] = []
    found = 0
    window = min(n, 2 * count + 64)
    while found < count and n:
        chunk = top_rows(score, window)
        chunk = chunk[np.isfinite(score[chunk])]
        if len(chunk) == 0:
            break
        keep = chunk[filters.mask(store, chunk)][: count - found]
        picked.append(keep)
        found += len(keep)
        score[chunk] = -np.inf  # examined
        window = min(n, window * 4)
    return np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)


def prior_candidates(
    *,
    store: LeadStore,
    parsed: ParsedPrompt,
    filters: HardFilters,
    taken: Sequence[int] | npt.NDArray[np.int64],
    count: int,
) -> npt.NDArray[np.int64]:
    """Up to `count` rows, best prior first, that pass `filters` and are not in `taken`."""
    if count <= 0 or store.size == 0:
        return np.zeros(0, dtype=np.int64)
    score = prior_scores(store, parsed)
    if len(taken):
        score[np.asarray(taken, dtype=np.int64)] = -np.inf
    return best_admissible(store=store, score=score, filters=filters, count=count)


def fill_signals(store: LeadStore, parsed: ParsedPrompt) -> tuple[FloatArray, FloatArray]:
    """The prior (`prior_scores`) and the firmographic fit of every row, sharing the size fit and
    the sector test. The fit is the features' `fit_product` (size fit x 0.4 off a parsed sector x
    0.3 off a parsed country), with intent evidence breaking its many ties."""
    n = store.size
    intent = store.company_features[:n, INTENT_COLUMN]
    in_sector, sf = _sector_and_size(store, parsed)
    fit = np.ones(n, dtype=np.float32)
    if in_sector is not None:
        fit *= np.where(in_sector, np.float32(1.0), np.float32(0.4))
    if sf is not None:
        fit *= sf / np.float32(0.5)
    if parsed.countries:
        in_country = np.isin(store.country_code[:n], store.country_codes(parsed.countries))
        fit *= np.where(in_country, np.float32(1.0), np.float32(0.3))
    fit += np.float32(FIT_TIE_BREAK) * intent
    return _prior(intent, in_sector, sf), fit


def descending_ranks(values: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
    """0 for the largest value; ties in position order."""
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.arange(len(values))
    return ranks


def fused_candidates(
    *,
    store: LeadStore,
    parsed: ParsedPrompt,
    query_vec: npt.NDArray[np.float32],
    filters: HardFilters,
    taken: Sequence[int] | npt.NDArray[np.int64],
    count: int,
    pool: int = FILL_POOL,
) -> npt.NDArray[np.int64]:
    """Up to `count` rows not in `taken` that pass `filters`, best first by reciprocal rank fusion
    of four cheap signals over a pool (the best `pool` rows by the prior and by firmographic fit):
    the prior, the fit, and the prompt's cosine to the company vector and to its recent signals."""
    if count <= 0 or store.size == 0:
        return np.zeros(0, dtype=np.int64)
    size = max(pool, count)
    prior, fit = fill_signals(store, parsed)
    signals = {"prior": prior, "fit": fit}
    picked = []
    for score in signals.values():
        if len(taken):
            score[np.asarray(taken, dtype=np.int64)] = -np.inf
        picked.append(best_admissible(store=store, score=score.copy(), filters=filters, count=size))
    rows = np.union1d(*picked)
    if len(rows) == 0:
        return rows.astype(np.int64)
    q = query_vec.astype(np.float32)
    values = {
        "prior": signals["prior"][rows],
        "fit": signals["fit"][rows],
        "cos_doc": store.doc_vec.get(rows) @ q,
        "cos_intent": store.intent_vec.get(rows) @ q,
    }
    fused = np.zeros(len(rows), dtype=np.float64)
    for name, weight in FUSED_WEIGHTS.items():
        fused += weight / (RRF_K + 1.0 + descending_ranks(values[name]))
    return rows[np.lexsort((rows, -fused))][:count].astype(np.int64)

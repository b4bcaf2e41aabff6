"""Features of (prompt, candidate) pairs, vectorised over the candidate rows of the lead store."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.ranking.columns import COMPANY_FEATURES, LeadStore
from app.ranking.lookup import sorted_positions
from app.ranking.prompt import ParsedPrompt

RRF_K = 60.0
QUERY_FEATURES = (
    "bm25",
    "bm25_rrf",
    "ann_rrf",
    "cos_doc",
    "cos_intent",
    "cos_self",
    "intent_minus_self",
    "snippet_match_sum",
    "snippet_match_max",
    "snippet_match_top3",
    "snippet_match_seller_share",
    "cos_exemplar",
    "exemplar_sector_match",
    "exemplar_size_ratio_log",
    "industry_match",
    "size_fit",
    "country_match",
    "employees_log",
    "tech_overlap",
    "fit_product",
    "snippet_match_fit",
    "snippet_match_max_fit",
    "sentence_max",
    "sentence_top2",
    "sentence_mean",
    "profile_only",
    "z_cos_doc",
    "z_sentence_max",
    "z_bm25",
    "self_match",
)
FEATURE_NAMES: tuple[str, ...] = (*QUERY_FEATURES, *COMPANY_FEATURES)
COLUMN: Mapping[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Retrieval:
    """What the retrievers returned: rank and score per candidate row."""

    bm25: Mapping[int, tuple[int, float]]  # row -> (rank, score)
    ann: Mapping[int, int]  # row -> best rank over the prompt and exemplar queries


def rrf(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / (RRF_K + rank + 1)


def size_fit(employees: npt.NDArray[np.int64], low: int | None, high: int | None) -> FloatArray:
    """1 inside [low, high], decaying with log distance outside; 0.5 when no target or size unknown."""
    out = np.full(employees.shape, 0.5, dtype=np.float32)
    if low is None and high is None:
        return out
    known = employees > 0
    e = np.log10(np.maximum(employees, 1).astype(np.float64))
    lo = math.log10(max(low, 1)) if low is not None else -math.inf
    hi = math.log10(max(high, 1)) if high is not None else math.inf
    distance = np.maximum(lo - e, 0) + np.maximum(e - hi, 0)
    out[known] = np.exp(-2.0 * distance[known]).astype(np.float32)
    return out


SNIPPET_TAU = 0.1


def snippet_features(store: LeadStore, rows: npt.NDArray[np.int64], q: FloatArray, out: FloatArray) -> None:
    """Snippet-level matching: how many recent, reputable snippets say what the prompt is about; and
    sentence-level matching of what the company says about itself (its sentence slots): the best
    sentence, the mean of the best two, and the mean of all its sentences (its own words without its
    name; a company without sentences: its self-description)."""
    c = COLUMN
    all_sims = store.snippet_similarities(rows, q)  # (n, M)
    weights = store.snip_weight[rows]
    present = weights > 0
    out[:, c["profile_only"]] = ~present.any(axis=1)
    said = store.snip_sentence[rows]
    sentence_sims = -np.sort(-np.where(said, all_sims, -2.0), axis=1)[:, :2]
    has = said.any(axis=1)
    second = np.where(sentence_sims[:, 1] > -2.0, sentence_sims[:, 1], sentence_sims[:, 0])
    fallback = out[:, c["cos_self"]]
    out[:, c["sentence_max"]] = np.where(has, sentence_sims[:, 0], fallback)
    out[:, c["sentence_top2"]] = np.where(has, (sentence_sims[:, 0] + second) / 2.0, fallback)
    norm = store.sentence_norm[rows]
    total = np.where(said, all_sims, 0.0).sum(axis=1)
    out[:, c["sentence_mean"]] = np.where(norm > 0, total / np.maximum(norm, 1e-6), fallback)
    sims = np.where(present, all_sims, -1.0)
    mass = np.maximum(sims - SNIPPET_TAU, 0.0) * weights
    total = mass.sum(axis=1)
    out[:, c["snippet_match_sum"]] = total
    seller = (mass * store.snip_seller[rows]).sum(axis=1)
    out[:, c["snippet_match_seller_share"]] = np.where(total > 0, seller / np.maximum(total, 1e-9), 0.0)
    out[:, c["snippet_match_max"]] = np.maximum(sims.max(axis=1), 0.0)
    top = -np.sort(-sims, axis=1)[:, :3]
    out[:, c["snippet_match_top3"]] = np.maximum(top, 0.0).mean(axis=1)


def _lookup(
    rows: npt.NDArray[np.int64], hits: Mapping[int, tuple[int, float]]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Positions in `rows` found in `hits`, with their (rank, score): one searchsorted, no per-row dict."""
    empty = np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    if not hits or len(rows) == 0:
        return empty
    keys = np.fromiter(hits.keys(), dtype=np.int64, count=len(hits))
    pairs = itertools.chain.from_iterable(hits.values())  # (rank, score) flat: no array of tuples
    values = np.fromiter(pairs, dtype=np.float64, count=2 * len(hits)).reshape(len(hits), 2)
    order = np.argsort(keys)
    keys, values = keys[order], values[order]
    pos, hit = sorted_positions(keys, rows)
    found = np.flatnonzero(hit)
    picked = values[pos[found]]
    return found, picked[:, 0], picked[:, 1]


def set_ann_rrf(out: FloatArray, rows: npt.NDArray[np.int64], ann: Mapping[int, int]) -> None:
    """The ANN reciprocal-rank column of `out` (rows found in `ann`; the others keep their value)."""
    if not ann or len(rows) == 0:
        return
    keys = np.fromiter(ann.keys(), dtype=np.int64, count=len(ann))
    values = np.fromiter(ann.values(), dtype=np.float64, count=len(ann))
    order = np.argsort(keys)
    keys, values = keys[order], values[order]
    pos, hit = sorted_positions(keys, rows)
    found = np.flatnonzero(hit)
    out[found, COLUMN["ann_rrf"]] = 1.0 / (RRF_K + values[pos[found]] + 1)


def compute_features(
    *,
    store: LeadStore,
    rows: npt.NDArray[np.int64],
    parsed: ParsedPrompt,
    query_vec: FloatArray,
    exemplar_vecs: FloatArray,
    exemplar_rows: Sequence[int] = (),
    retrieval: Retrieval,
) -> FloatArray:
    """(len(rows), len(FEATURE_NAMES)) float32 feature matrix."""
    n = len(rows)
    out = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float32)
    if n == 0:
        return out
    c = COLUMN
    q = query_vec.astype(np.float32)
    doc = store.doc_vec.get(rows)
    intent = store.intent_vec.get(rows)
    own = store.self_vec.get(rows)
    found, ranks, scores = _lookup(rows, retrieval.bm25)
    out[found, c["bm25"]] = scores
    out[found, c["bm25_rrf"]] = 1.0 / (RRF_K + ranks + 1)
    set_ann_rrf(out, rows, retrieval.ann)
    out[:, c["cos_doc"]] = doc @ q
    out[:, c["cos_intent"]] = intent @ q
    out[:, c["cos_self"]] = own @ q
    out[:, c["intent_minus_self"]] = out[:, c["cos_intent"]] - out[:, c["cos_self"]]
    snippet_features(store, rows, q, out)
    employees = store.employees[rows]
    if len(exemplar_vecs):
        out[:, c["cos_exemplar"]] = (doc @ exemplar_vecs.astype(np.float32).T).max(axis=1)
    if exemplar_rows:
        ex = list(exemplar_rows)
        ex_sectors = store.sector[ex]
        out[:, c["exemplar_sector_match"]] = np.isin(store.sector[rows], ex_sectors[ex_sectors > 0])
        ratio = np.log10(np.maximum(employees, 1)[:, None] / np.maximum(store.employees[ex], 1)[None, :])
        out[:, c["exemplar_size_ratio_log"]] = np.abs(ratio).min(axis=1)
    else:
        out[:, c["exemplar_sector_match"]] = 0.5
    sectors = [int(s) for s in parsed.industries if s.isdigit()]
    out[:, c["industry_match"]] = np.isin(store.sector[rows], sectors) if sectors else 0.5
    out[:, c["size_fit"]] = size_fit(employees, parsed.employees_min, parsed.employees_max)
    if parsed.countries:
        out[:, c["country_match"]] = np.isin(store.country_code[rows], store.country_codes(parsed.countries))
    else:
        out[:, c["country_match"]] = 0.5
    out[:, c["employees_log"]] = np.log10(np.maximum(employees, 1))
    keywords = set(parsed.keywords)
    if keywords:
        out[:, c["tech_overlap"]] = store.tech_tokens.count_in(rows, keywords) / len(keywords)
    out[:, len(QUERY_FEATURES) :] = store.company_features[rows]
    fit_products(out)
    return out


SELF_MATCH_BM25_WEIGHT = 0.5


def _z(x: FloatArray) -> FloatArray:
    out: FloatArray = ((x - x.mean()) / max(float(x.std()), 1e-6)).astype(np.float32)
    return out


def request_features(out: FloatArray) -> None:
    """Features relative to the other candidates of the same search (raw cosines and BM25 scores are
    not comparable across prompts): z-scores of the profile cosine, the best sentence and BM25
    within the candidate set, and their sum with BM25 at half weight (the real-data teacher's
    shape). Computed on the whole candidate matrix at once, after every candidate's own features."""
    if len(out) == 0:
        return
    c = COLUMN
    out[:, c["z_cos_doc"]] = _z(out[:, c["cos_doc"]])
    out[:, c["z_sentence_max"]] = _z(out[:, c["sentence_max"]])
    out[:, c["z_bm25"]] = _z(out[:, c["bm25"]])
    out[:, c["self_match"]] = (
        out[:, c["z_cos_doc"]] + out[:, c["z_sentence_max"]] + SELF_MATCH_BM25_WEIGHT * out[:, c["z_bm25"]]
    )


def fit_products(out: FloatArray) -> None:
    """The teacher's shape as explicit products (a few hundred training prompts teach trees sums more
    easily than products): fit = size fit x 0.4 off-sector x 0.3 off-country / 0.5, and the snippet
    match (discounted by its seller-language share) times that fit."""
    c = COLUMN
    fit = out[:, c["size_fit"]] / 0.5
    fit = fit * np.where(out[:, c["industry_match"]] == 0, 0.4, 1.0)
    fit = fit * np.where(out[:, c["country_match"]] == 0, 0.3, 1.0)
    out[:, c["fit_product"]] = fit
    buyer = 1.0 - 0.8 * out[:, c["snippet_match_seller_share"]]
    out[:, c["snippet_match_fit"]] = out[:, c["snippet_match_sum"]] * buyer * fit
    out[:, c["snippet_match_max_fit"]] = out[:, c["snippet_match_max"]] * fit


# Hand-set weights used before a trained model exists (and as the "hybrid" baseline's tie-breaker).
HEURISTIC_WEIGHTS: Mapping[str, float] = {
    "bm25_rrf": 8.0,
    "ann_rrf": 8.0,
    "cos_intent": 1.0,
    "snippet_match_sum": 3.0,
    "snippet_match_max": 1.0,
    "cos_doc": 1.0,
    "intent_minus_self": 1.0,
    "cos_exemplar": 1.0,
    "industry_match": 0.5,
    "size_fit": 0.5,
    "country_match": 0.5,
    "intent_total": 0.2,
    "vendor_language": -2.0,
    "outcome_rate": 2.0,
}


def heuristic_scores(features: FloatArray) -> FloatArray:
    weights = np.array([HEURISTIC_WEIGHTS.get(name, 0.0) for name in FEATURE_NAMES], dtype=np.float32)
    return (features @ weights).astype(np.float32)

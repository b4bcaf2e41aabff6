"""The candidates stage of a search: which companies get features and a rerank.

Four sources, one pass: BM25 over the in-memory index, the pgvector HNSW ANN query in PostgreSQL
(one query for the prompt and one per named exemplar), and, to fill the candidate budget, the
intent prior (or the fused order of the prior, firmographic fit and two cosines). Every source
passes the hard filters (API filters plus the prompt's exclusions), in memory over the store's
columns and, for the ANN, in its SQL (or, when those filters leave few companies, in the exact
search in process that replaces the ANN query: `ann_rows`). `find_candidates` is the stage; the
rest of this module is what it uses, in that order: hard filters, BM25, ANN, fill, union.

By default (`overlap=False`, SEARCH_OVERLAP_ANN) the ANN query is awaited first, then the union is
filled; the features stage computes the candidates' features in one pass. With `overlap=True` the
ANN query runs in PostgreSQL while this process works: BM25, the fill order and the features of
those candidates are computed meanwhile, with a few turns of the event loop between them so the
query leaves as soon as the pool's checkout allows; when the ANN answers,
only its hits outside those candidates get features and the ANN rank feature is filled in (the
same rows and features as without overlap). Measured slower when PostgreSQL shares the service's
cores (docs/BENCHMARKS.md "Search"); kept for machines where PostgreSQL has cores of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.db import run_raw
from app.leads.prepare import Prepared
from app.leads.prior import INTENT_COLUMN, prior_from, prior_picks, sector_and_size
from app.leads.schemas import SearchFilters
from app.ranking.bm25 import Bm25Index
from app.ranking.columns import LeadStore
from app.ranking.features import FEATURE_NAMES, RRF_K, Retrieval, set_ann_rrf
from app.ranking.lookup import sorted_positions
from app.ranking.prompt import ParsedPrompt
from app.ranking.text import tokenize

FloatArray = npt.NDArray[np.float32]
# Candidates reranked per query: BM25 and ANN first, the fill completes the rest. The service reads
# SEARCH_CANDIDATE_BUDGET (same default); the offline scripts take --budget.
CANDIDATE_BUDGET = 500
# What fills the budget after BM25 and the ANN (SEARCH_FILL): the intent prior's order, or the fused
# order of the prior, firmographic fit and two cosines. The default is the served one
# (Settings.search_fill), so the offline scripts (evaluate, the training dataset) see what is served.
Fill = Literal["prior", "fused"]
DEFAULT_FILL: Fill = "prior"
# Candidates kept by the first-stage cut before the features (app/leads/cut.py); 0: no cut. The
# service reads SEARCH_FIRST_STAGE_CUT (same default); the offline scripts take --cut.
DEFAULT_CUT = 200


@dataclass(frozen=True, slots=True)
class AnnRequest:
    """One ANN search: the query vectors (the prompt's, then each exemplar's) under the hard filters."""

    vectors: FloatArray
    filters: HardFilters


# The ANN query of a search: store rows per query vector, best first. It must set the event once
# its first query has been sent (`ann_search(sent=...)`); `pgvector_ann` is the served one,
# `exact_ann_query` the offline stand-in.
AnnQuery = Callable[[AnnRequest, asyncio.Event], Awaitable[list[list[int]]]]


@dataclass(frozen=True, slots=True)
class CandidateSpec:
    """How many candidates, from where: the BM25 top `bm25_k`, the ANN's answer, the `fill` up to
    `budget`; `overlap`: the features of BM25 + fill computed while the ANN query runs; `cut`: how
    many of them go on to the features (the first-stage cut, 0: all)."""

    bm25_k: int
    budget: int = CANDIDATE_BUDGET
    fill: Fill = DEFAULT_FILL
    overlap: bool = False
    cut: int = DEFAULT_CUT


@dataclass(frozen=True, slots=True)
class Candidates:
    filters: HardFilters
    retrieval: Retrieval  # BM25 hits and ANN ranks per row (features read them)
    rows: npt.NDArray[np.int64]  # sorted
    # The candidates' features when they were computed while the ANN ran (`overlap`), else None.
    features: FloatArray | None
    # Seconds: bm25 (with the topic exclusion), ann (the time spent in the event loop for the ANN:
    # the turns that let its query leave, then the wait for its answer), ann_send (of ann, until the
    # query left), features (the fill, plus any features computed while the ANN ran).
    timings: Mapping[str, float]


@contextlib.contextmanager
def no_meter() -> Iterator[None]:
    yield


async def find_candidates(
    prepared: Prepared,
    spec: CandidateSpec,
    *,
    store: LeadStore,
    bm25_index: Bm25Index,
    ann_query: AnnQuery,
    cpu: Callable[[], AbstractContextManager[None]] = no_meter,
) -> Candidates:
    """The hard filters, then the ANN query is started; BM25, the union with the ANN's hits, filled
    up to the budget. `cpu` wraps every synchronous block (cost meter)."""
    budget, fill = spec.budget, spec.fill
    timings: dict[str, float] = {}
    t = time.perf_counter()
    with cpu():
        filters = hard_filters(store, prepared, bm25_index)
        vectors = np.vstack([prepared.query_vec[None, :], prepared.exemplar_vecs])
    filters_s = time.perf_counter() - t
    sent = _SentAt()
    t = started = time.perf_counter()
    ann_task = asyncio.ensure_future(ann_query(AnnRequest(vectors, filters), sent))
    try:
        if spec.overlap:
            await _let_ann_send(sent, ann_task)
        else:
            await asyncio.wait([ann_task])
        waited = time.perf_counter() - t
        t = time.perf_counter()
        with cpu():
            bm25 = bm25_hits(bm25_index, prepared, limit=spec.bm25_k)
        timings["bm25"] = filters_s + time.perf_counter() - t
        if spec.overlap:
            return await _overlapped(
                store=store,
                prepared=prepared,
                filters=filters,
                bm25=bm25,
                ann_task=ann_task,
                sent=sent,
                started=started,
                waited=waited,
                timings=timings,
                budget=budget,
                fill=fill,
                cpu=cpu,
            )
        # The ANN has answered: the final candidates at once (the features stage computes theirs).
        timings["ann"] = timings["ann_send"] = waited
        t = time.perf_counter()
        with cpu():
            ann = ann_ranks(ann_task.result())
            rows = candidate_rows(store, prepared, filters, bm25, ann, budget=budget, fill=fill)
        timings["features"] = time.perf_counter() - t
        return Candidates(filters, Retrieval(bm25=bm25, ann=ann), rows, None, timings)
    finally:
        ann_task.cancel()  # a no-op once it has answered; no orphan query when a step fails


def candidate_rows(
    store: LeadStore,
    prepared: Prepared,
    filters: HardFilters,
    bm25: Mapping[int, tuple[int, float]],
    ann: Mapping[int, int],
    *,
    budget: int = CANDIDATE_BUDGET,
    fill: Fill = DEFAULT_FILL,
) -> npt.NDArray[np.int64]:
    """Union of the retrievers after the hard filters, filled up to `budget` (`fill_order`)."""
    bm25_rows = admissible(store, filters, bm25)
    order = fill_order(store, prepared, filters, bm25_rows, budget=budget, fill=fill)
    return merge_candidates(bm25_rows, admissible(store, filters, ann), order, budget)


# Hard filters: everything that removes a company outright.


def hard_filters(store: LeadStore, prepared: Prepared, bm25: Bm25Index | None) -> HardFilters:
    """The search's hard filters; `bm25`: the index that finds the companies naming a topic the
    prompt rules out (none: no topic exclusion)."""
    topic_rows: list[int] = []
    if bm25 is not None:
        for topic in prepared.parsed.excluded_topics:
            topic_rows.extend(bm25.rows_with_all(topic.split()))
    return HardFilters.build(
        filters=prepared.filters,
        parsed=prepared.parsed,
        store=store,
        exemplar_rows=prepared.exemplar_rows,
        topic_rows=topic_rows,
    )


@dataclass(frozen=True, slots=True)
class HardFilters:
    """Everything that removes a company outright (API filters plus the prompt's exclusions)."""

    countries: frozenset[str]
    excluded_countries: frozenset[str]
    employees_min: int | None
    employees_max: int | None
    industries: tuple[str, ...]
    technologies: tuple[frozenset[str], ...]
    excluded_terms: tuple[frozenset[str], ...]
    excluded_rows: frozenset[int]

    @classmethod
    def build(
        cls,
        *,
        filters: SearchFilters,
        parsed: ParsedPrompt,
        store: LeadStore,
        exemplar_rows: Sequence[int],
        topic_rows: Sequence[int] = (),
    ) -> HardFilters:
        """`topic_rows`: companies whose text names a topic the prompt rules out (`hard_filters`)."""
        excluded = {store.row_of_domain[d] for d in filters.exclude_domains if d in store.row_of_domain}
        excluded.update(exemplar_rows)
        excluded.update(topic_rows)
        return cls(
            countries=frozenset(filters.countries),
            excluded_countries=frozenset(parsed.excluded_countries),
            employees_min=filters.employees_min,
            employees_max=filters.employees_max,
            industries=tuple(i.lower() for i in filters.industries),
            technologies=tuple(frozenset(tokenize(t)) for t in filters.technologies if tokenize(t)),
            excluded_terms=tuple(frozenset(tokenize(t)) for t in parsed.excluded_terms if tokenize(t)),
            excluded_rows=frozenset(excluded),
        )

    def allows(self, store: LeadStore, row: int) -> bool:
        return bool(self.mask(store, np.array([row], dtype=np.int64))[0])

    def mask(self, store: LeadStore, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Which of `rows` pass every filter (numpy over the store's columns, the technology token
        sets included: a set holds all of a filter's tokens when it holds as many of them)."""
        if len(rows) == 0:
            return np.ones(0, dtype=bool)
        return self.sql_mask(store, rows) & self.beyond_sql_mask(store, rows)

    def beyond_sql_mask(self, store: LeadStore, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Which of `rows` pass the filters `sql` cannot express: excluded rows, industries,
        technologies and excluded terms."""
        keep = np.ones(len(rows), dtype=bool)
        if self.excluded_rows:
            keep &= ~np.isin(rows, list(self.excluded_rows))
        if self.industries:
            keep &= self._industry_mask(store, rows)
        techs = store.tech_tokens
        for terms in self.technologies:  # every token of each: the count of them is their number
            keep &= techs.count_in(rows, terms) == len(terms)
        for terms in self.excluded_terms:
            keep &= techs.count_in(rows, terms) < len(terms)
        return keep

    @property
    def in_sql(self) -> bool:
        """Whether any filter goes into the ANN's SQL (`sql`): countries or employee bounds."""
        return bool(self.countries or self.excluded_countries) or (
            self.employees_min is not None or self.employees_max is not None
        )

    def sql_mask(self, store: LeadStore, rows: npt.NDArray[np.int64] | slice) -> npt.NDArray[np.bool_]:
        """Which of `rows` pass the filters `sql` expresses (countries, excluded countries, employee
        bounds), read from the store's columns."""
        codes = store.country_code[rows]
        keep = np.ones(len(codes), dtype=bool)
        if self.countries:
            keep &= np.isin(codes, store.country_codes(self.countries))
        if self.excluded_countries:
            keep &= ~np.isin(codes, store.country_codes(self.excluded_countries))
        employees = store.employees[rows]
        if self.employees_min is not None:
            keep &= employees >= self.employees_min
        if self.employees_max is not None:
            keep &= (employees >= 0) & (employees <= self.employees_max)
        return keep

    def _industry_mask(self, store: LeadStore, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """An industry filter matches the label (case-insensitive) or a NAICS code prefix."""
        match = np.isin(store.industry_code[rows], store.industry_codes(self.industries))
        prefixes = [i for i in self.industries if i.isdigit()]
        sectors = [int(p) for p in prefixes if len(p) == 2]
        if sectors:
            match |= np.isin(store.sector[rows], sectors)
        longer = tuple(p for p in prefixes if len(p) != 2)
        if longer:
            for i in np.flatnonzero(~match):
                match[i] = store.naics[int(rows[i])].startswith(longer)
        return match

    def sql(self, *, first_param: int = 1) -> tuple[str, list[object]]:
        """The subset expressible on `company_embeddings` columns (`country`, `employees`: copies of
        the company's), for the ANN query, with positional parameters numbered from `first_param`
        (asyncpg's `$n`)."""
        clauses = ["embedding IS NOT NULL"]
        params: list[object] = []

        def param(value: object) -> str:
            params.append(value)
            return f"${first_param + len(params) - 1}"

        if self.countries:
            clauses.append(f"country = ANY({param(sorted(self.countries))}::text[])")
        if self.excluded_countries:
            clauses.append(
                f"(country IS NULL OR country <> ALL({param(sorted(self.excluded_countries))}::text[]))"
            )
        if self.employees_min is not None:
            clauses.append(f"employees >= {param(self.employees_min)}::int")
        if self.employees_max is not None:
            clauses.append(f"employees <= {param(self.employees_max)}::int")
        return " AND ".join(clauses), params


# BM25.


def bm25_hits(index: Bm25Index, prepared: Prepared, *, limit: int) -> dict[int, tuple[int, float]]:
    """The BM25 top `limit` for the prompt's keywords: row -> (rank, score)."""
    rows, scores = index.search(list(prepared.parsed.keywords), limit=limit)
    pairs = zip(rows.tolist(), scores.tolist(), strict=True)  # Python ints and floats, not numpy scalars
    return {r: (rank, s) for rank, (r, s) in enumerate(pairs)}


# ANN: pgvector HNSW in PostgreSQL, or exact cosine in numpy (under selective filters, and offline).


# A filtered ANN is answered in this process, exactly, when the filters its SQL would apply leave at
# most this many companies (SEARCH_EXACT_ANN_MAX_ROWS; 0: always pgvector). Under a selective filter
# pgvector's HNSW walks far past its limit to find rows that pass (iterative scan): on the bench world
# (100k companies) one country with 7 % of them costs 17 ms of PostgreSQL CPU per query, 2 ms without
# a filter, while the exact scan of the 7k rows that pass costs ~0.8 ms here (docs/BENCHMARKS.md,
# "filtered ANN in process").
EXACT_ANN_MAX_ROWS = 20_000


def pgvector_ann(
    engine: AsyncEngine,
    *,
    store: LeadStore,
    limit: int,
    exact_max_rows: int = EXACT_ANN_MAX_ROWS,
    cpu: Callable[[], AbstractContextManager[None]] = no_meter,
) -> AnnQuery:
    """The served ANN query (`ann_rows`) on `engine` and `store`."""

    async def query(request: AnnRequest, sent: asyncio.Event) -> list[list[int]]:
        return await ann_rows(
            engine,
            store=store,
            request=request,
            limit=limit,
            sent=sent,
            exact_max_rows=exact_max_rows,
            cpu=cpu,
        )

    return query


async def ann_rows(
    engine: AsyncEngine,
    *,
    store: LeadStore,
    request: AnnRequest,
    limit: int,
    sent: asyncio.Event,
    exact_max_rows: int = EXACT_ANN_MAX_ROWS,
    cpu: Callable[[], AbstractContextManager[None]] = no_meter,
) -> list[list[int]]:
    """The ANN of a search as store rows: pgvector's HNSW (`ann_search`), or, when the filters its SQL
    would apply leave at most `exact_max_rows` companies, the exact cosine top `limit` of those that
    pass every hard filter, computed here (`exact_filtered_ann`). `cpu` wraps the work done here."""
    if exact_max_rows > 0:
        with cpu():
            rows = sql_filter_rows(request.filters, store)
            if rows is not None and len(rows) <= exact_max_rows:
                sent.set()
                return exact_filtered_ann(store, request.vectors, rows, request.filters, limit=limit)
    ids = await ann_search(engine, vectors=request.vectors, limit=limit, filters=request.filters, sent=sent)
    row_of_id = store.row_of_id
    return [[r for r in row_of_id.rows_of_raw(raw) if r is not None] for raw in ids]


def sql_filter_rows(filters: HardFilters, store: LeadStore) -> npt.NDArray[np.int64] | None:
    """The store's rows that pass the filters the ANN's SQL applies (`HardFilters.sql_mask`),
    ascending; None when the search has none of them."""
    if not filters.in_sql:
        return None
    return np.flatnonzero(filters.sql_mask(store, slice(0, store.size))).astype(np.int64, copy=False)


def exact_filtered_ann(
    store: LeadStore, vectors: FloatArray, rows: npt.NDArray[np.int64], filters: HardFilters, *, limit: int
) -> list[list[int]]:
    """Per query vector, the `limit` rows of `rows` (ascending, already past the SQL filters:
    `sql_filter_rows`) that pass the other hard filters and have a vector, by cosine (the store's unit
    vectors: a dot product), best first."""
    rows = rows[filters.beyond_sql_mask(store, rows) & (store.doc_vec.scales[rows] > 0)]
    if len(rows) == 0 or limit <= 0:
        return [[] for _ in range(len(vectors))]
    sims = store.doc_vec.get(rows) @ vectors.astype(np.float32, copy=False).T
    return [rows[best_first(sims[:, j], limit)].tolist() for j in range(sims.shape[1])]


def best_first(scores: FloatArray, limit: int) -> npt.NDArray[np.intp]:
    """Positions of the `limit` highest `scores`, best first (one partition, then a sort of those)."""
    k = min(limit, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    ordered: npt.NDArray[np.intp] = top[np.argsort(-scores[top])]
    return ordered


@functools.lru_cache(maxsize=8)
def _literal_format(dim: int) -> str:
    return "[" + ",".join(["%.6f"] * dim) + "]"


def vector_literal(vec: npt.NDArray[np.float32]) -> str:
    """pgvector's text form of one vector (6 decimals: far below the model's int8 resolution), one
    %-format of the whole vector (the same text as formatting each component with `.6f`)."""
    values = vec.tolist()
    return _literal_format(len(values)) % tuple(values)


async def ann_search(
    engine: AsyncEngine,
    *,
    vectors: npt.NDArray[np.float32],
    limit: int,
    filters: HardFilters,
    sent: asyncio.Event | None = None,
) -> list[npt.NDArray[np.uint8]]:
    """Company ids nearest to each query vector by cosine distance (pgvector HNSW on
    `company_embeddings`), best first, as (n, 16) arrays of their bytes.

    One round trip per vector on a pooled connection, no transaction: the HNSW settings come with the
    connection (`app.core.db.hnsw_server_settings`) and the statement is prepared once per
    connection by asyncpg. The ids come back as one bytea, their 16 bytes each in the order of the
    index scan (a plain aggregate over the ordered, limited scan keeps its order), so no row or UUID
    object is made per id. `sent` is set as the first query leaves (after the pool's checkout), so a
    caller can compute meanwhile without holding the query back (`find_candidates(overlap=True)`)."""
    if len(vectors) == 0 or limit <= 0:
        return []
    where, params = filters.sql(first_param=3)
    sql = (
        "SELECT string_agg(uuid_send(company_id), ''::bytea) FROM (SELECT company_id FROM company_embeddings "  # noqa: S608
        f"WHERE {where} ORDER BY embedding <=> $1::halfvec LIMIT $2) AS nearest"
    )
    literals = [vector_literal(vec) for vec in vectors]

    async def query(driver: Any) -> list[npt.NDArray[np.uint8]]:
        out: list[npt.NDArray[np.uint8]] = []
        for literal in literals:
            if sent is not None:
                sent.set()  # the caller resumes once this task awaits the answer, i.e. after the send
            ids = await driver.fetchval(sql, literal, limit, *params)
            out.append(np.frombuffer(ids or b"", dtype=np.uint8).reshape(-1, 16))
        return out

    return await run_raw(engine, query)


def exact_ann_query(store: LeadStore, *, limit: int) -> AnnQuery:
    """The offline stand-in for `pgvector_ann`: exact cosine over the store; like the SQL filter,
    it returns only rows the hard filters allow."""

    async def query(request: AnnRequest, sent: asyncio.Event) -> list[list[int]]:
        sent.set()
        return [
            [r for r in lst if request.filters.allows(store, r)][:limit]
            for lst in exact_ann(store, request.vectors, limit=limit * 3)
        ]

    return query


def exact_ann(store: LeadStore, vectors: FloatArray, *, limit: int) -> list[list[int]]:
    """Exact cosine top-`limit` rows per vector over the store (offline stand-in for pgvector HNSW)."""
    if store.size == 0 or len(vectors) == 0:
        return []
    sims = store.doc_vec.get(slice(0, store.size)) @ vectors.astype(np.float32).T
    return [best_first(sims[:, j], limit).tolist() for j in range(sims.shape[1])]


def ann_ranks(lists: Sequence[Sequence[int]]) -> dict[int, int]:
    """Row -> its best rank over the prompt's and the exemplars' ANN lists."""
    ranks: dict[int, int] = {}
    for lst in lists:
        for rank, row in enumerate(lst):
            if rank < ranks.get(row, 1 << 30):
                ranks[row] = rank
    return ranks


# The fill: the third candidate source, after BM25 and the ANN.
#
# BM25 and the ANN miss buyers whose evidence shares no words and little meaning with the prompt (a
# "CRM" prompt versus "our pipeline is a shared Excel file"). What those buyers do have is recent
# intent evidence (hiring, news, tech changes, employee voice) and, often, the sector and size the
# prompt targets. The intent prior ranks every company by
#
#     intent_total x (1 if its NAICS sector is a parsed target, 0.5 otherwise; 1 with no target)
#                  x (0.5 + size fit to the parsed employee range)
#
# and adds the best ones that pass the hard filters until the union reaches the budget. Numpy over
# the store's columns (no per-company Python): the rows are scored in the order of
# their intent, only as far as the bound needs (app/leads/prior.py).
# Chosen on the tiny world's validation prompts over intent_total alone, evidence volume, employee
# voice and vendor-discounted variants (docs/EVALUATION.md, "Candidate recall").

FIT_TIE_BREAK = 1e-3
# The fused fill: rows taken per signal into its pool, and the weights of the signals' reciprocal
# ranks (chosen on the tiny world's train + validation prompts, docs/EVALUATION.md).
FILL_POOL = 1000
FUSED_WEIGHTS = {"prior": 1.0, "cos_intent": 1.0, "cos_doc": 2.0, "fit": 2.0}


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


def fill_signals(store: LeadStore, parsed: ParsedPrompt) -> tuple[FloatArray, FloatArray]:
    """The prior (`prior_scores`) and the firmographic fit of every row, sharing the size fit and
    the sector test. The fit is the features' `fit_product` (size fit x 0.4 off a parsed sector x
    0.3 off a parsed country), with intent evidence breaking its many ties."""
    n = store.size
    intent = store.company_features[:n, INTENT_COLUMN]
    in_sector, sf = sector_and_size(store, parsed)
    fit = np.ones(n, dtype=np.float32)
    if in_sector is not None:
        fit *= np.where(in_sector, np.float32(1.0), np.float32(0.4))
    if sf is not None:
        fit *= sf / np.float32(0.5)
    if parsed.countries:
        in_country = np.isin(store.country_code[:n], store.country_codes(parsed.countries))
        fit *= np.where(in_country, np.float32(1.0), np.float32(0.3))
    fit += np.float32(FIT_TIE_BREAK) * intent
    return prior_from(intent, in_sector, sf), fit


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


def fill_order(
    store: LeadStore,
    prepared: Prepared,
    filters: HardFilters,
    bm25_rows: npt.NDArray[np.int64],
    *,
    budget: int,
    fill: Fill,
) -> npt.NDArray[np.int64]:
    """Rows that may fill the budget after the BM25 hits, best first: enough for any ANN answer (the
    ones the ANN also returned are skipped), and independent of it, so it can be computed while
    the ANN query runs."""
    count = budget - len(bm25_rows)
    if fill == "fused":
        return fused_candidates(
            store=store,
            parsed=prepared.parsed,
            query_vec=prepared.query_vec,
            filters=filters,
            taken=bm25_rows,
            count=count,
        )
    return prior_picks(store=store, parsed=prepared.parsed, filters=filters, taken=bm25_rows, count=count)


# The union.


def admissible(store: LeadStore, filters: HardFilters, rows: Iterable[int]) -> npt.NDArray[np.int64]:
    """`rows` that exist and pass the hard filters, sorted."""
    out = np.fromiter(sorted(set(rows)), dtype=np.int64)
    out = out[out < store.size]
    return out[filters.mask(store, out)]


def merge_candidates(
    bm25_rows: npt.NDArray[np.int64],
    ann_rows: npt.NDArray[np.int64],
    fill: npt.NDArray[np.int64],
    budget: int,
) -> npt.NDArray[np.int64]:
    """The union of the BM25 and ANN rows, then the fill's rows not among the ANN's up to `budget`,
    sorted; `ann_rows` sorted and unique, as `admissible` gives them."""
    union = np.union1d(bm25_rows, ann_rows)
    if len(ann_rows):  # sorted and unique (`admissible`): membership by binary search
        fill = fill[~sorted_positions(ann_rows, fill)[1]]
    extra = fill[: max(budget - len(union), 0)]
    return np.sort(np.concatenate([union, extra]))


# The overlapped variant (`find_candidates(overlap=True)`).

SEND_TURNS = 4


class _SentAt(asyncio.Event):
    """An event that remembers when it was set."""

    at: float | None = None

    def set(self) -> None:
        self.at = time.perf_counter()
        super().set()


async def _let_ann_send(sent: asyncio.Event, task: asyncio.Future[list[list[int]]]) -> None:
    """Give the ANN task a few turns of the event loop (pool checkout) so that its
    query leaves as soon as it can, without waiting for it: the caller computes between turns."""
    for _ in range(SEND_TURNS):
        if sent.is_set() or task.done():
            return
        await asyncio.sleep(0)


async def _overlapped(
    *,
    store: LeadStore,
    prepared: Prepared,
    filters: HardFilters,
    bm25: Mapping[int, tuple[int, float]],
    ann_task: asyncio.Future[list[list[int]]],
    sent: _SentAt,
    started: float,
    waited: float,
    timings: dict[str, float],
    budget: int,
    fill: Fill,
    cpu: Callable[[], AbstractContextManager[None]],
) -> Candidates:
    """The fill and the features of BM25 + fill while the ANN query runs (turns given to it between
    the steps so it can leave), then only the ANN's own hits."""
    t = time.perf_counter()
    await _let_ann_send(sent, ann_task)
    waited += time.perf_counter() - t
    t = time.perf_counter()
    with cpu():
        bm25_rows = admissible(store, filters, bm25)
        order = fill_order(store, prepared, filters, bm25_rows, budget=budget, fill=fill)
    features_s = time.perf_counter() - t
    t = time.perf_counter()
    await _let_ann_send(sent, ann_task)
    waited += time.perf_counter() - t
    t = time.perf_counter()
    with cpu():
        pending = pending_from(store, prepared, bm25, bm25_rows, order, budget=budget)
    features_s += time.perf_counter() - t
    t = time.perf_counter()
    ann_lists = await ann_task
    waited += time.perf_counter() - t
    t = time.perf_counter()
    with cpu():
        ann = ann_ranks(ann_lists)
        rows, features = complete_candidates(store, filters, pending, ann)
    timings["features"] = features_s + time.perf_counter() - t
    timings["ann"] = waited
    # Of "ann": until the query left (pool checkout, under the computation).
    timings["ann_send"] = (sent.at or time.perf_counter()) - started
    return Candidates(filters, Retrieval(bm25=bm25, ann=ann), rows, features, timings)


@dataclass(frozen=True, slots=True)
class Pending:
    """What is known before the ANN answers: the BM25 hits and the fill (best first, enough for
    any ANN answer), with their features (the ANN rank feature still 0)."""

    prepared: Prepared
    bm25: Mapping[int, tuple[int, float]]
    bm25_rows: npt.NDArray[np.int64]  # admissible, sorted
    fill: npt.NDArray[np.int64]  # admissible, not BM25 hits, best first (`fill_order`)
    rows: npt.NDArray[np.int64]  # bm25_rows + fill, sorted
    features: FloatArray  # of `rows`
    budget: int


def pending_candidates(
    store: LeadStore,
    prepared: Prepared,
    filters: HardFilters,
    bm25: Mapping[int, tuple[int, float]],
    *,
    budget: int,
    fill: Fill = DEFAULT_FILL,
) -> Pending:
    bm25_rows = admissible(store, filters, bm25)
    order = fill_order(store, prepared, filters, bm25_rows, budget=budget, fill=fill)
    return pending_from(store, prepared, bm25, bm25_rows, order, budget=budget)


def pending_from(
    store: LeadStore,
    prepared: Prepared,
    bm25: Mapping[int, tuple[int, float]],
    bm25_rows: npt.NDArray[np.int64],
    order: npt.NDArray[np.int64],
    *,
    budget: int,
) -> Pending:
    """The pending candidates' features, from `admissible` BM25 rows and the `fill_order`."""
    rows = np.sort(np.concatenate([bm25_rows, order]))
    features = prepared.features(store, rows, Retrieval(bm25=bm25, ann={}))
    return Pending(prepared, bm25, bm25_rows, order, rows, features, budget)


def complete_candidates(
    store: LeadStore, filters: HardFilters, pending: Pending, ann: Mapping[int, int]
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """The candidates and features `candidate_rows` + the features stage give once the ANN has
    answered, reusing the pending rows' features: only ANN hits outside them are computed now."""
    rows = merge_candidates(pending.bm25_rows, admissible(store, filters, ann), pending.fill, pending.budget)
    features = np.empty((len(rows), len(FEATURE_NAMES)), dtype=np.float32)
    known = np.isin(rows, pending.rows)
    features[known] = pending.features[np.searchsorted(pending.rows, rows[known])]
    if not known.all():
        retrieval = Retrieval(bm25=pending.bm25, ann=ann)
        features[~known] = pending.prepared.features(store, rows[~known], retrieval)
    set_ann_rrf(features, rows, ann)
    return rows, features

"""Candidate generation: BM25 over the in-memory index, pgvector HNSW ANN in PostgreSQL, hard filters."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.db import raw_connection
from app.leads.schemas import SearchFilters
from app.ranking.columns import LeadStore
from app.ranking.prompt import ParsedPrompt
from app.ranking.text import tokenize


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
        """`topic_rows`: companies whose text names a topic the prompt rules out (pipeline.prepare)."""
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
        """Which of `rows` pass every filter (numpy over the store's columns; only the technology
        subset tests run per row, and only for rows still in)."""
        keep = np.ones(len(rows), dtype=bool)
        if len(rows) == 0:
            return keep
        if self.excluded_rows:
            keep &= ~np.isin(rows, list(self.excluded_rows))
        codes = store.country_code[rows]
        if self.countries:
            keep &= np.isin(codes, store.country_codes(self.countries))
        if self.excluded_countries:
            keep &= ~np.isin(codes, store.country_codes(self.excluded_countries))
        employees = store.employees[rows]
        if self.employees_min is not None:
            keep &= employees >= self.employees_min
        if self.employees_max is not None:
            keep &= (employees >= 0) & (employees <= self.employees_max)
        if self.industries:
            keep &= self._industry_mask(store, rows)
        if self.technologies or self.excluded_terms:
            for i in np.flatnonzero(keep):
                techs = store.tech_tokens[int(rows[i])]
                keep[i] = all(t <= techs for t in self.technologies) and not any(
                    t <= techs for t in self.excluded_terms
                )
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


def vector_literal(vec: npt.NDArray[np.float32]) -> str:
    """pgvector's text form of one vector (6 decimals: far below the model's int8 resolution)."""
    return "[" + ",".join(f"{x:.6f}" for x in vec.tolist()) + "]"


async def ann_search(
    engine: AsyncEngine,
    *,
    vectors: npt.NDArray[np.float32],
    limit: int,
    filters: HardFilters,
    sent: asyncio.Event | None = None,
) -> list[list[uuid.UUID]]:
    """Company ids nearest to each query vector by cosine distance (pgvector HNSW on
    `company_embeddings`), best first.

    One round trip per vector on a pooled connection, no transaction: the HNSW settings come with the
    connection (`app.core.db.hnsw_server_settings`) and the statement is prepared once per
    connection by asyncpg. `sent` is set as the first query leaves (after the pool's checkout), so a
    caller can compute meanwhile without holding the query back (app/leads/flow.py)."""
    if len(vectors) == 0 or limit <= 0:
        return []
    where, params = filters.sql(first_param=3)
    sql = (
        f"SELECT company_id FROM company_embeddings WHERE {where} ORDER BY embedding <=> $1::halfvec LIMIT $2"  # noqa: S608
    )
    out: list[list[uuid.UUID]] = []
    async with raw_connection(engine) as driver:
        for vec in vectors:
            if sent is not None:
                sent.set()  # the caller resumes once this task awaits the answer, i.e. after the send
            rows = await driver.fetch(sql, vector_literal(vec), limit, *params)
            out.append([r[0] for r in rows])
    return out

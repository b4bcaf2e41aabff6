"""Candidate generation: BM25 over the in-memory index, pgvector HNSW ANN in PostgreSQL, hard filters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.leads.schemas import SearchFilters
from app.leads.store import LeadStore
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
        cls, *, filters: SearchFilters, parsed: ParsedPrompt, store: LeadStore, exemplar_rows: Sequence[int]
    ) -> HardFilters:
        excluded = {store.row_of_domain[d] for d in filters.exclude_domains if d in store.row_of_domain}
        excluded.update(exemplar_rows)
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
        country = store.country[row]
        employees = int(store.employees[row])
        if (
            row in self.excluded_rows
            or (self.countries and country not in self.countries)
            or (country and country in self.excluded_countries)
            or (self.employees_min is not None and (employees < 0 or employees < self.employees_min))
            or (self.employees_max is not None and (employees < 0 or employees > self.employees_max))
        ):
            return False
        if self.industries:
            industry = (store.industries[row] or "").lower()
            naics = store.naics[row]
            if not any(i == industry or (i.isdigit() and naics.startswith(i)) for i in self.industries):
                return False
        techs = store.tech_tokens[row]
        if self.technologies and not all(t <= techs for t in self.technologies):
            return False
        return not any(t <= techs for t in self.excluded_terms)

    def mask(self, store: LeadStore, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Vectorised `allows` over many rows."""
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
        if self.industries or self.technologies or self.excluded_terms:
            for i in np.flatnonzero(keep):
                keep[i] = self.allows(store, int(rows[i]))
        return keep

    def sql(self) -> tuple[str, dict[str, object]]:
        """The subset expressible on `companies` columns, for the ANN query."""
        clauses = ["embedding IS NOT NULL"]
        params: dict[str, object] = {}
        if self.countries:
            clauses.append("country = ANY(:countries)")
            params["countries"] = sorted(self.countries)
        if self.excluded_countries:
            clauses.append("(country IS NULL OR country <> ALL(:xcountries))")
            params["xcountries"] = sorted(self.excluded_countries)
        if self.employees_min is not None:
            clauses.append("employees >= :emin")
            params["emin"] = self.employees_min
        if self.employees_max is not None:
            clauses.append("employees <= :emax")
            params["emax"] = self.employees_max
        return " AND ".join(clauses), params


async def ann_search(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    vectors: npt.NDArray[np.float32],
    limit: int,
    filters: HardFilters,
    ef_search: int,
) -> list[list[str]]:
    """Ids (as text) nearest to each query vector by cosine distance, filtered with iterative scans."""
    if len(vectors) == 0 or limit <= 0:
        return []
    where, params = filters.sql()
    sql = text(
        f"SELECT id::text FROM companies WHERE {where} ORDER BY embedding <=> CAST(:q AS vector) LIMIT :limit"  # noqa: S608
    )
    out: list[list[str]] = []
    ef = min(1000, int(max(ef_search, limit)))
    async with sessionmaker() as session, session.begin():
        # One round trip for both transaction-local settings (iterative scans keep filtered queries full).
        await session.execute(
            text(
                "SELECT set_config('hnsw.ef_search', :ef, true), "
                "set_config('hnsw.iterative_scan', 'relaxed_order', true)"
            ),
            {"ef": str(ef)},
        )
        for vec in vectors:
            literal = "[" + ",".join(map(repr, np.round(vec.astype(np.float64), 6).tolist())) + "]"
            rows = await session.execute(sql, {**params, "q": literal, "limit": limit})
            out.append([r[0] for r in rows])
    return out

"""The search service: a prompt and filters in, the K most likely buyers with evidence out."""

from __future__ import annotations

import asyncio
import functools
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.config import Settings
from app.core.db import run_raw
from app.core.errors import retry_shortly
from app.leads.admission import Admission, Overloaded
from app.leads.cache import CacheRead, SearchCache, cache_key
from app.leads.candidates import AnnRequest, ann_rows
from app.leads.flow import run_search
from app.leads.hydrate import ContactView, Evidence, evidence_slots, hydrate, iso
from app.leads.index import IndexView, LeadIndex
from app.leads.models_registry import ModelManager
from app.leads.prepare import Prepared
from app.leads.querylog import QueryLog
from app.leads.refine import refine
from app.leads.rerank import Ranked
from app.leads.schemas import SearchRequestBody
from app.llm.client import LlmClient
from app.observability.cost import CostMeter
from app.observability.meters import CANDIDATES, LLM_REQUESTS, PIPELINE_LATENCY, SEARCH_REQUESTS
from app.ranking.columns import LeadStore
from app.ranking.embedding import query_model_id
from app.ranking.explain import fit_and_intent, reasons, top_features
from app.ranking.features import COLUMN
from app.ranking.highlight import excerpt, first_sentence, spans
from app.ranking.prompt import parse_prompt
from app.ranking.reranker import Reranker

STAGES = ("parse", "embed", "bm25", "ann", "features", "rerank")


def observe(timings: dict[str, float], *, candidates: int, llm_calls: int) -> None:
    for stage in STAGES:
        PIPELINE_LATENCY.labels(stage=stage).observe(timings.get(stage, 0.0))
    CANDIDATES.observe(candidates)
    LLM_REQUESTS.labels(called="true" if llm_calls else "false").inc()


class SearchService:
    def __init__(
        self,
        *,
        settings: Settings,
        index: LeadIndex,
        models: ModelManager,
        cache: SearchCache,
        llm: LlmClient | None,
        query_log: QueryLog,
        engine: AsyncEngine,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.query_log = query_log
        self.index = index
        self.models = models
        self.cache = cache
        self.llm = llm
        self.admission = Admission(
            slots=settings.search_max_concurrency,
            max_wait_s=settings.search_queue_timeout_s,
            overload_wait_s=settings.search_queue_overload_wait_s,
            interval_s=settings.search_queue_interval_s,
        )

    def cache_key_of(self, body: SearchRequestBody) -> str:
        """The key the answer to `body` is cached under (the current model and index)."""
        return cache_key(
            prompt=body.prompt,
            filters=body.filters.model_dump(),
            k=body.k,
            explain=body.explain,
            model_version=self.models.current.version,
            query_encoder=query_model_id(self.index.embedder),
            generation=self.index.cache_token,
        )

    async def search(
        self, *, body: SearchRequestBody, api_key_id: uuid.UUID | None, read: CacheRead | None = None
    ) -> dict[str, Any]:
        """`read`: the cache key (`cache_key_of`) and Redis's answer for it, when the caller read it
        in its own round trip (app/api/deps.py, `authorize_and_get`)."""
        response, _ = await self._search(body=body, api_key_id=api_key_id, read=read)
        return response

    async def search_json(
        self, *, body: SearchRequestBody, api_key_id: uuid.UUID | None, read: CacheRead | None = None
    ) -> bytes:
        """`search`, serialised (orjson): a computed answer's bytes are those stored in the cache, not
        serialised a second time."""
        response, data = await self._search(body=body, api_key_id=api_key_id, read=read)
        return data if data is not None else orjson.dumps(response)

    async def _search(
        self, *, body: SearchRequestBody, api_key_id: uuid.UUID | None, read: CacheRead | None
    ) -> tuple[dict[str, Any], bytes | None]:
        """The answer, and its JSON when it was computed (and cached) rather than read."""
        data: bytes | None = None
        started = time.perf_counter()
        meter = CostMeter(self.settings)  # CPU of the synchronous stages only (no await inside blocks)
        request_id = uuid.uuid4()
        reranker = self.models.current
        view = self.index.view  # the one index this search reads, even if a newer one is swapped in
        if read is not None:
            key = read.key
            response = self.cache.answered(key, read.value)
        else:
            with meter.cpu():
                key = self.cache_key_of(body)
            response = await self.cache.get(key)
        if response is not None:
            response["request_id"] = str(request_id)
            response["metadata"].update(
                cache_hit=True,
                llm_calls=0,
                timings_ms=dict.fromkeys(STAGES, 0.0),  # no stage ran for this answer
                processing_time_ms=round((time.perf_counter() - started) * 1e3, 3),
                cost_usd=round(meter.cost_usd(), 10),
            )
        else:
            await self._admit()
            try:
                response = await self._compute(
                    body=body,
                    view=view,
                    request_id=request_id,
                    reranker=reranker,
                    started=started,
                    meter=meter,
                )
            finally:
                self.admission.release()
            data = orjson.dumps(response)
            await self.cache.store(key, data)
        self._finish(
            request_id=request_id,
            body=body,
            api_key_id=api_key_id,
            response=response,
            started=started,
            meter=meter,
        )
        return response, data

    async def _admit(self) -> None:
        """Wait for one of `search_max_concurrency` slots; shed the request when the wait is long
        (app/leads/admission.py: shorter while the queue is standing)."""
        try:
            await self.admission.acquire()
        except Overloaded:
            SEARCH_REQUESTS.labels(outcome="shed").inc()
            raise retry_shortly(
                code="overloaded", message="too many searches in progress; retry shortly"
            ) from None

    async def _compute(
        self,
        *,
        body: SearchRequestBody,
        view: IndexView,
        request_id: uuid.UUID,
        reranker: Reranker,
        started: float,
        meter: CostMeter,
    ) -> dict[str, Any]:
        """The uncached search: parse, embed, BM25 + ANN, features, rerank, hydrate."""
        timings: dict[str, float] = {}
        t = time.perf_counter()
        with meter.cpu():
            parsed = parse_prompt(body.prompt)
        llm_calls = 0
        if self.llm is not None:
            parsed, result = await refine(self.llm, parsed)
            llm_calls = result.calls
            meter.add_llm_tokens(input_tokens=result.input_tokens, output_tokens=result.output_tokens)
        timings["parse"] = time.perf_counter() - t
        run = await run_search(
            store=view.store,
            bm25_index=view.bm25,
            embedder=self.index.embedder,
            reranker=reranker,
            parsed=parsed,
            filters=body.filters,
            ann_query=functools.partial(self._ann, view.store, meter.cpu),
            bm25_k=self.settings.search_bm25_candidates,
            budget=self.settings.search_candidate_budget,
            fill=self.settings.search_fill,
            overlap=self.settings.search_overlap_ann,
            cut=self.settings.search_first_stage_cut,
            k=body.k,
            cpu=meter.cpu,
        )
        timings.update(run.timings)
        ranked, prepared = run.ranked, run.prepared
        leads = await self._leads(view.store, ranked, prepared, explain=body.explain, meter=meter)
        response: dict[str, Any] = {
            "request_id": str(request_id),
            "model_version": reranker.version,
            "leads": leads,
            "metadata": {
                "processing_time_ms": round((time.perf_counter() - started) * 1e3, 3),
                "timings_ms": {s: round(timings.get(s, 0.0) * 1e3, 3) for s in STAGES},
                "candidates": ranked.candidates,
                "cache_hit": False,
                "llm_calls": llm_calls,
                "cost_usd": round(meter.cost_usd(), 10),
            },
        }
        observe(timings, candidates=ranked.candidates, llm_calls=llm_calls)
        return response

    def _finish(
        self,
        *,
        request_id: uuid.UUID,
        body: SearchRequestBody,
        api_key_id: uuid.UUID | None,
        response: dict[str, Any],
        started: float,
        meter: CostMeter,
    ) -> None:
        elapsed = time.perf_counter() - started
        PIPELINE_LATENCY.labels(stage="total").observe(elapsed)
        n = len(response["leads"])
        outcome = "cache_hit" if response["metadata"]["cache_hit"] else ("empty" if n == 0 else "ok")
        SEARCH_REQUESTS.labels(outcome=outcome).inc()
        meter.record(leads=n)  # lead_cost_usd, leads_returned_total, request_cost_usd_total
        meta = response["metadata"]
        self.query_log.record(
            id=request_id,
            api_key_id=api_key_id,
            prompt=body.prompt,
            filters=body.filters.model_dump(),
            k=body.k,
            lead_ids=[uuid.UUID(lead["lead_id"]) for lead in response["leads"]],
            latency_ms=elapsed * 1e3,
            cost_usd=meta["cost_usd"],
            model_version=response["model_version"],
            cache_hit=meta["cache_hit"],
            candidates=meta["candidates"],
            llm_calls=meta["llm_calls"],
        )

    async def drain(self) -> None:
        """Write the buffered query-log rows now (tests, shutdown)."""
        await self.query_log.flush()

    async def _ann(
        self,
        store: LeadStore,
        cpu: Callable[[], AbstractContextManager[None]],
        request: AnnRequest,
        sent: asyncio.Event,
    ) -> list[list[int]]:
        return await ann_rows(
            self.engine,
            store=store,
            request=request,
            limit=self.settings.search_ann_candidates,
            sent=sent,
            exact_max_rows=self.settings.search_exact_ann_max_rows,
            cpu=cpu,
        )

    async def _leads(
        self, store: LeadStore, ranked: Ranked, prepared: Prepared, *, explain: bool, meter: CostMeter
    ) -> list[dict[str, Any]]:
        ids = [store.ids[r] for r in ranked.rows.tolist()]
        with meter.cpu():
            slots = evidence_slots(store, ranked.rows, query_vec=prepared.query_vec)
        roles = prepared.parsed.roles
        contacts, evidence = await run_raw(self.engine, lambda conn: hydrate(conn, ids, slots, roles=roles))
        with meter.cpu():
            return self._build_leads(
                store,
                ranked,
                ids,
                contacts,
                evidence,
                explain=explain,
                keywords=frozenset(prepared.parsed.keywords),
            )

    def _build_leads(
        self,
        store: LeadStore,
        ranked: Ranked,
        ids: list[uuid.UUID],
        contacts: dict[uuid.UUID, list[ContactView]],
        evidence: list[list[Evidence]],
        *,
        explain: bool,
        keywords: frozenset[str],
    ) -> list[dict[str, Any]]:
        reranker = self.models.current
        contributions = reranker.contributions(ranked.features) if explain else None
        matches = ranked.matches if ranked.matches is not None else np.full(len(ranked.rows), 100.0)
        now = datetime.now(UTC)
        history = COLUMN["outcome_impressions_log"]
        rows = ranked.rows.tolist()
        # Per-lead values as Python lists (list indexing, not a numpy scalar per value).
        probabilities = ranked.probabilities.tolist()
        match_scores = matches.tolist()
        calibrated_rows = (ranked.features[:, history] > 0).tolist()  # outcomes exist for the company
        employee_counts = store.employees[ranked.rows].tolist()
        leads = []
        for i, row in enumerate(rows):
            cid = ids[i]
            probability = probabilities[i]
            match = match_scores[i]
            calibrated = calibrated_rows[i]
            fit, intent = fit_and_intent(ranked.features[i])
            employees = employee_counts[i]
            name, industry, country = store.names[row], store.industries[row], store.country[row]
            signals = [signal_out(e, keywords=keywords, now=now) for e in evidence[i]]
            explanation = None
            if contributions is not None:
                top = top_features(reranker.feature_names, ranked.features[i], contributions[i])
                said = reasons(
                    name=name,
                    evidence=[(e.kind, first_sentence(e.text)) for e in evidence[i]],
                    matched=matched_words(evidence[i], signals),
                    employees=employees if employees > 0 else None,
                    country=country or None,
                    industry=industry,
                    top=top,
                    probability=probability if calibrated else None,
                )
                explanation = {
                    "top_features": [
                        {"name": n, "value": round(v, 4), "contribution": round(c, 4)} for n, v, c in top
                    ],
                    "summary": " ".join(said),
                    "reasons": said,
                }
            leads.append(
                {
                    "rank": i + 1,
                    "lead_id": str(cid),
                    "domain": store.domains[row],
                    "name": name,
                    "score": round(probability, 4) if calibrated else match,
                    "score_kind": "probability" if calibrated else "match",
                    "match_score": match,
                    "fit_score": fit,
                    "intent_score": intent,
                    "industry": industry,
                    "employees": employees if employees >= 0 else None,
                    "country": country or None,
                    "contacts": [
                        {"name": c.name, "title": c.title, "email": c.email} for c in contacts.get(cid, [])
                    ],
                    "signals": signals,
                    "explanation": explanation,
                }
            )
        return leads


def signal_out(e: Evidence, *, keywords: frozenset[str], now: datetime) -> dict[str, Any]:
    """One evidence snippet on the wire, with the passage that matches the prompt's keywords."""
    marks = spans(e.text, keywords)
    return {
        "snippet_id": e.snippet_id,
        "kind": e.kind,
        "text": e.text,
        "source_url": e.source_url,
        "observed_at": iso(e.observed_at),
        "age_days": round(max(0.0, (now - e.observed_at).total_seconds() / 86400.0), 1),
        "weight": e.weight,
        "highlights": [{"start": a, "end": b} for a, b in marks],
        "excerpt": excerpt(e.text, marks),
    }


def matched_words(evidence: list[Evidence], signals: list[dict[str, Any]]) -> list[str]:
    """The distinct words (lower case) the prompt matched in the evidence, in order of appearance."""
    seen: dict[str, None] = {}
    for e, signal in zip(evidence, signals, strict=True):
        for mark in signal["highlights"]:
            seen.setdefault(e.text[mark["start"] : mark["end"]].lower(), None)
    return list(seen)

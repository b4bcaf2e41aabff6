"""The job worker: claims jobs from PostgreSQL (`FOR UPDATE SKIP LOCKED`, the workspaces with the
fewest running jobs first, at most JOBS_PER_WORKSPACE running per workspace), holds a lease renewed
by a heartbeat, and runs each job in steps of JOBS_CHUNK items. A step's results (unique per job and
position), its events and the job's new position commit in one transaction fenced by the lease
(`WHERE lease_owner = me`): a worker that lost its lease writes nothing, and a job taken over after
a crash resumes at its last committed position, with no result or event written twice.

A step that raises is retried (the job goes back to the queue at its position, claimable again after
JOBS_RETRY_BASE_S x 2^(attempt - 1)) until the job has been claimed JOBS_MAX_ATTEMPTS times; an API
error (an ICP deleted meanwhile) fails it at once. The same loop sends due webhook deliveries and
refreshes the jobs gauges."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import undefer

from app.core.config import Settings
from app.core.errors import ApiError
from app.core.periodic import cancel_and_wait
from app.drafts.service import DraftWriter, draft_row, sentence_dicts
from app.icps.tables import Icp
from app.jobs.campaign import Campaign, campaign_target, ranked_leads
from app.jobs.events import Event, append_events
from app.jobs.search_pages import drop_expired
from app.jobs.service import announce, finish
from app.jobs.tables import Job, JobResult
from app.jobs.webhooks import deliver_due
from app.leads.startup import Ranker
from app.lists.enrich import enrich
from app.lists.evidence import LeadEvidence, load_leads
from app.lists.grading import Grade, grade_leads
from app.lists.schemas import EnrichRequest, ScoreRequest, SignalToggles
from app.lists.score import record_grades, score, scored_item
from app.lists.signals import SIGNALS, evidence_item, signals_of
from app.observability.cost import CostMeter
from app.observability.meters import JOB_DURATION, JOB_LEADS, JOBS, JOBS_STALE

logger = logging.getLogger(__name__)

_CLAIM = text(
    """
WITH running AS (
    SELECT workspace_id, count(*) AS n FROM jobs
    WHERE state = 'running' AND lease_until > now()
    GROUP BY workspace_id
)
SELECT j.id FROM jobs j LEFT JOIN running r ON r.workspace_id = j.workspace_id
WHERE ((j.state = 'queued' AND (j.lease_until IS NULL OR j.lease_until <= now()))
       OR (j.state = 'running' AND j.lease_until <= now()))
  AND coalesce(r.n, 0) < :per_workspace
ORDER BY coalesce(r.n, 0), j.created_at, j.id
LIMIT 1
FOR UPDATE OF j SKIP LOCKED
"""
)


GAUGES_EVERY_S = 15.0
MAX_RETRY_DELAY_S = 600.0


async def refresh_gauges(sessionmaker: async_sessionmaker[AsyncSession], *, lease_s: float) -> None:
    """Jobs per state and running jobs without a heartbeat for two leases, from the database (so any
    process may publish them: the API does even when no worker runs there); drops expired deep
    search result sets."""
    stale = datetime.now(UTC) - timedelta(seconds=2 * lease_s)
    async with sessionmaker() as session:
        result = await session.execute(select(Job.state, func.count()).group_by(Job.state))
        counts = {str(r[0]): int(r[1]) for r in result}
        stuck = (
            await session.execute(
                select(func.count()).where(Job.state == "running", Job.heartbeat_at < stale)
            )
        ).scalar_one()
        await drop_expired(session)
    for state in ("queued", "running", "succeeded", "failed", "cancelled"):
        JOBS.labels(state=state).set(counts.get(state, 0))
    JOBS_STALE.set(stuck)


class LeaseLost(Exception):
    """Another worker owns the job now: this one stops without writing."""


@dataclass(frozen=True, slots=True)
class ListStep:
    """One step of an enrich or score job: the request's items [start, end), in one session."""

    session: AsyncSession
    job_id: uuid.UUID
    request: dict[str, Any]
    start: int
    end: int
    meter: CostMeter


@dataclass
class JobWorker:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    ranker: Ranker | None
    drafts: DraftWriter | None
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
    _running: dict[uuid.UUID, asyncio.Task[None]] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    _http: httpx.AsyncClient | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._http = httpx.AsyncClient()
            self._task = asyncio.create_task(self.run_forever(), name="jobs-worker")

    async def stop(self) -> None:
        """Stop claiming, stop the running jobs and give their leases back (they resume elsewhere)."""
        await cancel_and_wait(self._task)
        self._task = None
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
        if self._running:
            async with self.sessionmaker() as session:
                await session.execute(
                    update(Job)
                    .where(
                        Job.id.in_(list(self._running)), Job.lease_owner == self.owner, Job.state == "running"
                    )
                    .values(lease_until=func.now())
                )
                await session.commit()
        self._running.clear()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def run_forever(self) -> None:
        last_gauges = 0.0
        while True:
            try:
                claimed = await self.tick()
                if time.monotonic() - last_gauges > GAUGES_EVERY_S:
                    last_gauges = time.monotonic()
                    await self.refresh_gauges()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("job worker tick failed")
                claimed = False
            if not claimed:
                await asyncio.sleep(self.settings.jobs_poll_interval_s)

    async def tick(self) -> bool:
        """Claim a job if a slot is free, send due webhooks; True when a job was claimed."""
        for job_id, task in list(self._running.items()):
            if task.done():
                del self._running[job_id]
        claimed = False
        if len(self._running) < self.settings.jobs_concurrency:
            new = await self.claim()
            if new is not None:
                self._running[new] = asyncio.create_task(self.run_job(new), name=f"job-{new}")
                claimed = True
        if self._http is not None:
            await deliver_due(self.sessionmaker, settings=self.settings, client=self._http)
        return claimed

    async def claim(self) -> uuid.UUID | None:
        lease = timedelta(seconds=self.settings.jobs_lease_s)
        async with self.sessionmaker() as session:
            job_id = (
                await session.execute(_CLAIM, {"per_workspace": self.settings.jobs_per_workspace})
            ).scalar_one_or_none()
            if job_id is None:
                await session.rollback()
                return None
            now = datetime.now(UTC)
            await session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(
                    state="running",
                    lease_owner=self.owner,
                    lease_until=now + lease,
                    heartbeat_at=now,
                    started_at=func.coalesce(Job.started_at, now),
                    attempts=Job.attempts + 1,
                )
            )
            await session.commit()
            return uuid.UUID(str(job_id))

    async def refresh_gauges(self) -> None:
        await refresh_gauges(self.sessionmaker, lease_s=self.settings.jobs_lease_s)

    # --- one job -----------------------------------------------------------------------------

    async def run_job(self, job_id: uuid.UUID) -> None:
        heartbeat = asyncio.create_task(self._heartbeat(job_id, asyncio.current_task()))
        try:
            await self._run(job_id)
        except (LeaseLost, asyncio.CancelledError):
            logger.info("job %s: stopped on this worker (lease lost or shutting down)", job_id)
        except ApiError as exc:
            logger.warning("job %s cannot go on: %s", job_id, exc.message)
            await self._failed_step(job_id, exc)
        except Exception as exc:
            logger.exception("job %s failed a step", job_id)
            await self._failed_step(job_id, exc)
        finally:
            await cancel_and_wait(heartbeat)

    async def _heartbeat(self, job_id: uuid.UUID, runner: asyncio.Task[Any] | None) -> None:
        every = self.settings.jobs_lease_s / 3
        while True:
            await asyncio.sleep(every)
            now = datetime.now(UTC)
            async with self.sessionmaker() as session:
                renewed = await session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.lease_owner == self.owner, Job.state == "running")
                    .values(lease_until=now + timedelta(seconds=self.settings.jobs_lease_s), heartbeat_at=now)
                    .returning(Job.id)
                )
                ok = renewed.first() is not None
                await session.commit()
            if not ok and runner is not None:
                runner.cancel()
                return

    async def _locked(self, session: AsyncSession, job_id: uuid.UUID) -> Job:
        """The job, row-locked, if this worker still holds its lease."""
        job = (
            await session.execute(
                select(Job)
                .where(Job.id == job_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        if job is None or job.lease_owner != self.owner or job.state != "running":
            await session.rollback()
            raise LeaseLost
        return job

    async def _run(self, job_id: uuid.UUID) -> None:
        async with self.sessionmaker() as session:
            job = await session.get(Job, job_id, options=[undefer(Job.request)])
            if job is None:
                return
            kind, request, workspace_id = job.kind, dict(job.request), job.workspace_id
        campaign = None
        if kind == "campaign":
            async with self.sessionmaker() as session:
                campaign = await campaign_target(session, workspace_id=workspace_id, request=request)
        await self._start(job_id, kind, request, campaign)
        async with self.sessionmaker() as session:  # fixed once started: read once
            plan = (await session.execute(select(Job.plan).where(Job.id == job_id))).scalar_one()
        while True:
            async with self.sessionmaker() as session:
                now = (
                    await session.execute(
                        select(Job.lease_owner, Job.position, Job.total, Job.cancel_requested).where(
                            Job.id == job_id
                        )
                    )
                ).one()
            if now.lease_owner != self.owner:
                raise LeaseLost
            position, total, cancel = now.position, now.total or 0, now.cancel_requested
            if cancel or position >= total:
                await self._end(job_id, cancelled=cancel and position < total)
                return
            end = min(position + self.settings.jobs_chunk, total)
            await self._step(
                job_id=job_id,
                kind=kind,
                request=request,
                campaign=campaign,
                plan=plan,
                start=position,
                end=end,
            )

    async def _start(
        self, job_id: uuid.UUID, kind: str, request: dict[str, Any], campaign: Campaign | None
    ) -> None:
        """Fix the job's items (a campaign's ranked leads) and announce it, once."""
        async with self.sessionmaker() as session:
            job = await session.get(Job, job_id)
            if job is None or job.total is not None:
                return
        plan: list[Any] | None = None
        if campaign is not None:
            ranker = self._ranker()
            ids = await ranked_leads(ranker, campaign=campaign, limit=int(request.get("limit") or 100))
            plan = [str(i) for i in ids]
            total = len(plan)
        else:
            total = len(request.get("items") or []) + len(request.get("lead_ids") or [])
        async with self.sessionmaker() as session:
            job = await self._locked(session, job_id)
            if job.total is not None:
                await session.rollback()
                return
            job.plan = plan
            job.total = total
            await session.flush()
            await append_events(
                session,
                job_id=job_id,
                events=[Event("pipeline_start", {"kind": kind, "total": total, "state": "running"})],
            )
            await session.commit()

    def _ranker(self) -> Ranker:
        if self.ranker is None:
            raise RuntimeError("the ranker is not loaded in this worker")
        return self.ranker

    async def _step(
        self,
        *,
        job_id: uuid.UUID,
        kind: str,
        request: dict[str, Any],
        campaign: Campaign | None,
        plan: list[Any] | None,
        start: int,
        end: int,
    ) -> None:
        meter = CostMeter(self.settings)
        async with self.sessionmaker() as session:
            if kind == "campaign":
                assert campaign is not None
                assert plan is not None
                rows, events = await self._campaign_step(
                    session=session,
                    job_id=job_id,
                    request=request,
                    campaign=campaign,
                    plan=plan,
                    start=start,
                    end=end,
                    meter=meter,
                )
            else:
                list_step = self._enrich_step if kind == "enrich" else self._score_step
                rows, events = await list_step(ListStep(session, job_id, request, start, end, meter))
            job = await self._locked(session, job_id)
            job.position = end
            job.cost_usd = job.cost_usd + meter.cost_usd()
            job.heartbeat_at = datetime.now(UTC)
            await session.flush()
            if rows:
                await session.execute(insert(JobResult).values(rows).on_conflict_do_nothing())
            events.append(Event("status_update", {"state": "running", "done": end, "total": job.total}))
            stored = await append_events(session, job_id=job_id, events=events)
            if job.webhook_url and (request.get("options") or {}).get("webhook_per_lead"):
                for event in stored:
                    if event["type"] == "lead_generated":
                        announce(session, job=job, event=event)
            await session.commit()
        JOB_LEADS.labels(kind=kind).inc(end - start)

    async def _campaign_step(
        self,
        *,
        session: AsyncSession,
        job_id: uuid.UUID,
        request: dict[str, Any],
        campaign: Campaign,
        plan: list[Any],
        start: int,
        end: int,
        meter: CostMeter,
    ) -> tuple[list[dict[str, Any]], list[Event]]:
        ranker = self._ranker()
        ids = [uuid.UUID(str(i)) for i in plan[start:end]]
        leads = await load_leads(session, ids=ids)
        ordered = [leads[i] for i in ids if i in leads]
        now = datetime.now(UTC)
        with meter.cpu():
            grades = grade_leads(
                ranker, campaign.target, ordered, bm25_limit=self.settings.search_bm25_candidates, now=now
            )
        job = await session.get(Job, job_id)
        assert job is not None
        if campaign.icp is not None:
            await record_grades(
                session,
                workspace_id=job.workspace_id,
                api_key_id=job.api_key_id,
                target=campaign.target,
                leads=ordered,
                grades=grades,
                source="job",
                model_version=ranker.models.current.version,
            )
        options = request.get("options") or {}
        toggles = options.get("signals")
        wanted = [n for n in SIGNALS if toggles and SignalToggles.model_validate(toggles).model_dump()[n]]
        rows: list[dict[str, Any]] = []
        events: list[Event] = []
        for offset, lead_id in enumerate(ids):
            position = start + offset
            lead = leads.get(lead_id)
            if lead is None:  # deleted since the plan was made
                data: dict[str, Any] = {"status": "gone", "lead_id": str(lead_id), "rank": position + 1}
                rows.append(
                    {"job_id": job_id, "position": position, "lead_id": None, "domain": None, "data": data}
                )
                continue
            grade = grades[lead_id]
            data = lead_record(lead, grade, position)
            lead_ref = {"lead_id": str(lead_id), "domain": lead.domain, "rank": position + 1}
            events.append(
                Event(
                    "lead_generated",
                    {**lead_ref, "grade": grade.grade, "band": grade.band, "reasons": grade.reasons},
                )
            )
            if wanted:
                events.append(Event("lead_enrichment_start", {**lead_ref, "signals": wanted}))
                with meter.cpu():
                    found, missed = signals_of(lead, wanted, now=now)
                data["signals"] = {
                    name: {
                        "value": s.value,
                        "confidence": s.confidence,
                        "evidence": [
                            evidence_item(e, now)
                            for e in s.evidence[: self.settings.lists_evidence_per_signal]
                        ],
                    }
                    for name, s in found.items()
                }
                data["signals_missed"] = missed
            if options.get("drafts"):
                data["draft"] = await self._draft(
                    session=session, job=job, campaign=campaign, lead=lead, grade=grade, meter=meter
                )
            if wanted:
                events.append(
                    Event(
                        "lead_enrichment_end",
                        {
                            **lead_ref,
                            "grade": grade.grade,
                            "reasons": grade.reasons,
                            "signals_found": list(data["signals"]),
                            "signals_missed": data["signals_missed"],
                        },
                    )
                )
            rows.append(
                {
                    "job_id": job_id,
                    "position": position,
                    "lead_id": lead_id,
                    "domain": lead.domain,
                    "data": data,
                }
            )
        return rows, events

    async def _draft(
        self,
        *,
        session: AsyncSession,
        job: Job,
        campaign: Campaign,
        lead: LeadEvidence,
        grade: Grade,
        meter: CostMeter,
    ) -> dict[str, Any] | None:
        """Outreach for a lead graded at or above the threshold (stored when the campaign has an ICP)."""
        if grade.grade is None or grade.grade < campaign.draft_threshold or self.drafts is None:
            return None
        voice = campaign.icp or Icp(
            product_description=campaign.target.prompt, technologies=list(campaign.target.technologies)
        )
        draft, _ = await self.drafts.write(lead, voice, meter)
        if draft is None:
            return None
        if campaign.icp is not None:
            session.add(
                draft_row(
                    draft,
                    workspace_id=job.workspace_id,
                    icp_id=campaign.icp.id,
                    company_id=lead.company_id,
                    evidence_version=lead.profile_version,
                    grade=grade.grade,
                )
            )
        return {
            "subject": draft.subject.text,
            "body": draft.body,
            "sentences": sentence_dicts(draft),
            "writer": draft.writer,
        }

    async def _enrich_step(self, step: ListStep) -> tuple[list[dict[str, Any]], list[Event]]:
        request, start = step.request, step.start
        options = request.get("options") or {}
        body = EnrichRequest(
            items=list(request["items"][start : step.end]),
            signals=SignalToggles.model_validate(options.get("signals") or {}),
        )
        with step.meter.cpu():
            answer = await enrich(
                step.session,
                body=body,
                max_items=len(body.items),
                per_signal=self.settings.lists_evidence_per_signal,
            )
        return self._list_rows(step.job_id, answer["items"], start, enriched=True)

    async def _score_step(self, step: ListStep) -> tuple[list[dict[str, Any]], list[Event]]:
        request, start, end = step.request, step.start, step.end
        job = await step.session.get(Job, step.job_id)
        assert job is not None
        items = list(request.get("items") or [])
        lead_ids = list(request.get("lead_ids") or [])
        body = ScoreRequest(
            items=items[start:end],
            lead_ids=lead_ids[max(start - len(items), 0) : max(end - len(items), 0)],
            icp_id=request.get("icp_id"),
            prompt=request.get("prompt"),
        )
        with step.meter.cpu():
            answer = await score(
                step.session,
                ranker=self._ranker(),
                body=body,
                workspace_id=job.workspace_id,
                api_key_id=job.api_key_id,
                max_items=end - start,
                bm25_limit=self.settings.search_bm25_candidates,
            )
        return self._list_rows(step.job_id, answer["items"], start, enriched=False)

    def _list_rows(
        self, job_id: uuid.UUID, items: list[dict[str, Any]], start: int, *, enriched: bool
    ) -> tuple[list[dict[str, Any]], list[Event]]:
        rows: list[dict[str, Any]] = []
        events: list[Event] = []
        for item in items:
            position = start + int(item["index"])
            data = {**item, "index": position}
            lead_id = item.get("lead_id") or (item.get("profile") or {}).get("lead_id")
            ref = {"lead_id": lead_id, "domain": item.get("domain"), "position": position}
            if item.get("found"):
                if enriched:
                    events.append(Event("lead_enrichment_start", ref))
                    events.append(
                        Event(
                            "lead_enrichment_end",
                            {
                                **ref,
                                "signals_found": list(item.get("signals") or {}),
                                "signals_missed": item.get("signals_missed", []),
                            },
                        )
                    )
                else:
                    events.append(
                        Event(
                            "lead_generated",
                            {
                                **ref,
                                "grade": item.get("grade"),
                                "band": item.get("band"),
                                "reasons": item.get("reasons", []),
                            },
                        )
                    )
            rows.append(
                {
                    "job_id": job_id,
                    "position": position,
                    "lead_id": uuid.UUID(str(lead_id)) if lead_id else None,
                    "domain": item.get("domain"),
                    "data": data,
                }
            )
        return rows, events

    async def _end(self, job_id: uuid.UUID, *, cancelled: bool) -> None:
        async with self.sessionmaker() as session:
            job = await self._locked(session, job_id)
            state = "cancelled" if cancelled else "succeeded"
            summary = {
                "state": state,
                "done": job.position,
                "total": job.total,
                "cost_usd": round(job.cost_usd, 10),
            }
            events = [Event("status_update", summary), Event("pipeline_end", summary)]
            await finish(session, job=job, state=state, events=events)
            kind, started = job.kind, job.started_at
            await session.commit()
        if started is not None:
            JOB_DURATION.labels(kind=kind).observe((datetime.now(UTC) - started).total_seconds())

    async def _failed_step(self, job_id: uuid.UUID, exc: Exception) -> None:
        error = {"code": exc.code, "message": exc.message} if isinstance(exc, ApiError) else {
            "code": "internal", "message": f"{type(exc).__name__}: {exc}"[:500]
        }  # fmt: skip
        try:
            async with self.sessionmaker() as session:
                job = await self._locked(session, job_id)
                if isinstance(exc, ApiError) or job.attempts >= self.settings.jobs_max_attempts:
                    await finish(
                        session,
                        job=job,
                        state="failed",
                        events=[
                            Event("pipeline_error", {"state": "failed", "error": error, "done": job.position})
                        ],
                        error=error,
                    )
                else:
                    job.state = "queued"
                    job.lease_owner = None
                    # A queued job's lease_until is the earliest time it may be claimed again.
                    delay = min(self.settings.jobs_retry_base_s * 2 ** (job.attempts - 1), MAX_RETRY_DELAY_S)
                    job.lease_until = datetime.now(UTC) + timedelta(seconds=delay)
                    await session.flush()
                    await append_events(
                        session,
                        job_id=job_id,
                        events=[
                            Event("status_update", {"state": "queued", "retry": job.attempts, "error": error})
                        ],
                    )
                await session.commit()
        except LeaseLost:
            return


def lead_record(lead: LeadEvidence, grade: Grade, position: int) -> dict[str, Any]:
    """A campaign result: the lead, its grade and the reasons' evidence."""
    out = scored_item(lead, grade, datetime.now(UTC))
    return {
        "status": "ok",
        "rank": position + 1,
        "name": lead.name,
        "industry": lead.industry,
        "country": lead.country,
        "employees": lead.employees,
        **out,
    }

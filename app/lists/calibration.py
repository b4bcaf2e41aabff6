"""Grade calibration on outcomes: the ranker's raw score (0.5 fit + 0.5 intent, in [0, 1]) mapped to
the observed likelihood of a positive outcome (reply, meeting or purchase), so that a grade of 30
means "about 30 % of companies graded like this answered positively".

Samples: each company graded in the scope (its newest grade: one sample per company) that has
outcome events in the scope, labelled positive when one of them is a reply, a meeting or a purchase
(impressions, clicks and unsubscribes alone: negative). A workspace's outcomes are those that name
a search made with one of its keys; the global scope has every grade and every outcome.

Fit: isotonic regression (pool adjacent violators, a non-decreasing step function), stored as knots
and read by linear interpolation between them; clamped to the end knots outside them. A map is
only fitted with at least CALIBRATION_MIN_SAMPLES samples of which at least
CALIBRATION_MIN_POSITIVES are positive and as many negative; the grading uses the workspace's map,
else the global one, else the formula (grade = round(100 x raw)).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.lists.tables import GradeCalibration

logger = logging.getLogger(__name__)

FIT_WEIGHT = 0.5
INTENT_WEIGHT = 0.5
POSITIVE_TYPES = ("reply", "meeting", "purchase")
Mapping = Literal["outcomes", "formula"]
Scope = Literal["workspace", "global"]


def raw_score(fit: float, intent: float) -> float:
    """The ranker's sub-scores as one number in [0, 1]: what the formula grades and the map reads."""
    return min(1.0, max(0.0, FIT_WEIGHT * fit + INTENT_WEIGHT * intent))


def isotonic(x: Sequence[float], y: Sequence[float]) -> tuple[list[float], list[float]]:
    """Pool adjacent violators: the non-decreasing least-squares fit of `y` on `x`, as knots (x
    ascending, values non-decreasing): the first and last distinct x of each pooled block with the
    block's mean, so that interpolating the knots gives each sample its fitted value."""
    if len(x) != len(y):
        raise ValueError("x and y differ in length")
    if not x:
        return [], []
    xs, inverse = np.unique(np.asarray(x, dtype=np.float64), return_inverse=True)
    sums = np.bincount(inverse, weights=np.asarray(y, dtype=np.float64), minlength=len(xs))
    counts = np.bincount(inverse, minlength=len(xs)).astype(np.float64)
    # Blocks: [sum of y, count, first x index, last x index].
    blocks: list[list[float]] = []
    for i in range(len(xs)):
        blocks.append([float(sums[i]), float(counts[i]), i, i])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            merged = blocks.pop()
            blocks[-1][0] += merged[0]
            blocks[-1][1] += merged[1]
            blocks[-1][3] = merged[3]
    knots_x: list[float] = []
    knots_y: list[float] = []
    for total, count, first, last in blocks:
        for index in dict.fromkeys((int(first), int(last))):
            knots_x.append(float(xs[index]))
            knots_y.append(total / count)
    return knots_x, knots_y


@dataclass(frozen=True, slots=True)
class Calibration:
    """The mapping a grading used: fitted knots (`outcomes`) or none (`formula`)."""

    mapping: Mapping
    scope: Scope | None
    sample_size: int
    positives: int
    knots_x: tuple[float, ...] = ()
    knots_y: tuple[float, ...] = ()
    fitted_at: datetime | None = None

    def probability(self, raw: float) -> float:
        """The calibrated likelihood of a positive outcome for a raw score (the formula: itself)."""
        if self.mapping == "formula" or not self.knots_x:
            return min(1.0, max(0.0, raw))
        return float(np.interp(raw, self.knots_x, self.knots_y))

    def grade(self, fit: float, intent: float) -> int:
        return max(0, min(100, round(100 * self.probability(raw_score(fit, intent)))))

    def out(self) -> dict[str, Any]:
        return {
            "mapping": self.mapping,
            "scope": self.scope,
            "sample_size": self.sample_size,
            "positives": self.positives,
            "fitted_at": self.fitted_at,
        }


FORMULA = Calibration(mapping="formula", scope=None, sample_size=0, positives=0)


def _samples_query(workspace: bool) -> str:
    scoped_grades = "AND g.workspace_id = :workspace_id" if workspace else ""
    scoped_outcomes = (
        "JOIN requests r ON r.id = o.request_id JOIN api_keys k ON k.id = r.api_key_id "
        "WHERE k.workspace_id = :workspace_id"
        if workspace
        else ""
    )
    positive = ", ".join(f"'{t}'" for t in POSITIVE_TYPES)
    return f"""
    WITH graded AS (
        SELECT DISTINCT ON (g.company_id) g.company_id, g.fit, g.intent
        FROM lead_grades g
        WHERE g.fit IS NOT NULL AND g.intent IS NOT NULL {scoped_grades}
        ORDER BY g.company_id, g.created_at DESC, g.id DESC
    ), seen AS (
        SELECT o.company_id, bool_or(o.type IN ({positive})) AS positive
        FROM outcomes o {scoped_outcomes}
        GROUP BY o.company_id
    )
    SELECT graded.fit, graded.intent, seen.positive
    FROM graded JOIN seen ON seen.company_id = graded.company_id
    """  # noqa: S608 - constant fragments only


async def samples(session: AsyncSession, *, workspace_id: uuid.UUID | None) -> list[tuple[float, bool]]:
    """(raw score, positive) per graded company with outcomes in the scope (None: global)."""
    query = text(_samples_query(workspace_id is not None))
    params = {"workspace_id": workspace_id} if workspace_id is not None else {}
    rows = (await session.execute(query, params)).all()
    return [(raw_score(float(r.fit), float(r.intent)), bool(r.positive)) for r in rows]


def fit(
    data: Sequence[tuple[float, bool]], *, scope: Scope, min_samples: int, min_positives: int
) -> Calibration:
    """The isotonic map of `data`, or the formula when there are too few samples or too few of
    either label (the sample counts are kept either way)."""
    positives = sum(1 for _, label in data if label)
    negatives = len(data) - positives
    if len(data) < min_samples or positives < min_positives or negatives < min_positives:
        return Calibration(mapping="formula", scope=scope, sample_size=len(data), positives=positives)
    xs, ys = isotonic([x for x, _ in data], [1.0 if label else 0.0 for _, label in data])
    return Calibration(
        mapping="outcomes",
        scope=scope,
        sample_size=len(data),
        positives=positives,
        knots_x=tuple(round(v, 6) for v in xs),
        knots_y=tuple(round(v, 6) for v in ys),
    )


async def store(session: AsyncSession, *, workspace_id: uuid.UUID | None, calibration: Calibration) -> None:
    """The scope's fitted map replaces its previous one, in one statement (two processes refitting
    at once: the last one wins); the caller commits."""
    values = {
        "mapping": calibration.mapping,
        "sample_size": calibration.sample_size,
        "positives": calibration.positives,
        "knots": [list(k) for k in zip(calibration.knots_x, calibration.knots_y, strict=True)],
        "fitted_at": func.now(),
    }
    statement = insert(GradeCalibration).values(workspace_id=workspace_id, **values)
    # The unique index treats NULLs (the global scope) as equal: one global row too.
    await session.execute(statement.on_conflict_do_update(index_elements=["workspace_id"], set_=values))


async def refit(
    session: AsyncSession, *, workspace_id: uuid.UUID | None, min_samples: int, min_positives: int
) -> Calibration:
    """Fit and store the map of one scope (a workspace, or None: global); the caller commits."""
    data = await samples(session, workspace_id=workspace_id)
    scope: Scope = "global" if workspace_id is None else "workspace"
    calibration = fit(data, scope=scope, min_samples=min_samples, min_positives=min_positives)
    await store(session, workspace_id=workspace_id, calibration=calibration)
    return calibration


async def refit_all(
    sessionmaker: async_sessionmaker[AsyncSession], *, min_samples: int, min_positives: int
) -> dict[uuid.UUID | None, Calibration]:
    """Refit the global map and the map of every workspace that has grades, each committed."""
    out: dict[uuid.UUID | None, Calibration] = {}
    async with sessionmaker() as session:
        query = text("SELECT DISTINCT workspace_id FROM lead_grades ORDER BY workspace_id")
        workspaces: list[uuid.UUID | None] = [None, *(await session.execute(query)).scalars()]
        for workspace_id in workspaces:
            out[workspace_id] = await refit(
                session, workspace_id=workspace_id, min_samples=min_samples, min_positives=min_positives
            )
            await session.commit()
    fitted = sum(1 for c in out.values() if c.mapping == "outcomes")
    logger.info("calibration: %d of %d scopes fitted on outcomes", fitted, len(out))
    return out


# pg advisory lock id of the periodic refit: one process of the fleet refits at a time.
REFIT_LOCK = 0x6772_6164_6563  # "gradec"


async def refit_if_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    interval_s: float,
    min_samples: int,
    min_positives: int,
) -> dict[uuid.UUID | None, Calibration] | None:
    """The periodic refit, once per interval across every process that runs it: the first process
    whose round comes after the global map's `fitted_at` is `interval_s` old takes a transaction
    lock and refits; the others (locked out, or finding a fresh map) skip. None when skipped."""
    async with sessionmaker() as session, session.begin():
        got = (
            await session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": REFIT_LOCK})
        ).scalar_one()
        if not got:
            return None
        age = (
            await session.execute(
                text(
                    "SELECT extract(epoch FROM now() - fitted_at) FROM grade_calibrations "
                    "WHERE workspace_id IS NULL"
                )
            )
        ).scalar_one_or_none()
        # 0.9: rounds of different processes drift; a map a little younger than the interval is due.
        if age is not None and float(age) < 0.9 * interval_s:
            return None
        return await refit_all(sessionmaker, min_samples=min_samples, min_positives=min_positives)


def _loaded(row: GradeCalibration, scope: Scope) -> Calibration:
    knots = [(float(x), float(y)) for x, y in row.knots]
    return Calibration(
        mapping="outcomes" if row.mapping == "outcomes" and knots else "formula",
        scope=scope,
        sample_size=row.sample_size,
        positives=row.positives,
        knots_x=tuple(x for x, _ in knots),
        knots_y=tuple(y for _, y in knots),
        fitted_at=row.fitted_at,
    )


async def current(session: AsyncSession, *, workspace_id: uuid.UUID) -> Calibration:
    """The map a grading in this workspace uses: the workspace's when fitted on outcomes, else the
    global one when fitted, else the formula (with the workspace's sample counts when known)."""
    rows = (
        await session.execute(
            select(GradeCalibration).where(
                (GradeCalibration.workspace_id == workspace_id) | GradeCalibration.workspace_id.is_(None)
            )
        )
    ).scalars()
    by_scope = {r.workspace_id: r for r in rows}
    own, shared = by_scope.get(workspace_id), by_scope.get(None)
    if own is not None and own.mapping == "outcomes":
        return _loaded(own, "workspace")
    if shared is not None and shared.mapping == "outcomes":
        return _loaded(shared, "global")
    if own is not None:
        return _loaded(own, "workspace")
    return FORMULA

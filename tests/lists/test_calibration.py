"""Grade calibration on outcomes: the isotonic fit (property tests), the fallback to the formula
with too few outcomes, and on the real stack a global then a workspace map fitted from grades and
outcomes, stored, and used by POST /v1/leads/score (which says which mapping it used)."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.db import create_sessionmaker
from app.lists.calibration import FORMULA, Calibration, fit, isotonic, raw_score, refit_all, refit_if_due
from app.lists.cli import calibrate_now
from tests.lists.conftest import ListsApp
from tests.lists.test_score import score
from tests.workspaces.support import bearer

DOMAINS = ["acme-foods.com", "globex-logistics.com", "initech.io"]
PROMPT = "Cold chain monitoring for food distributors in Germany"

points = st.lists(
    st.tuples(st.floats(0, 1, allow_nan=False), st.sampled_from([0.0, 1.0])), min_size=1, max_size=60
)


@given(points)
def test_isotonic_is_non_decreasing_and_keeps_the_mean(data: list[tuple[float, float]]) -> None:
    xs, ys = isotonic([x for x, _ in data], [y for _, y in data])
    assert 1 <= len(xs) == len(ys) <= len(data)
    assert all(a < b for a, b in itertools.pairwise(xs))
    assert all(a <= b for a, b in itertools.pairwise(ys))
    assert all(0.0 <= y <= 1.0 for y in ys)
    # Each sample's fitted value is its block's mean: the fitted values keep the data's mean.
    calibrated = np.interp([x for x, _ in data], xs, ys)
    assert abs(float(np.mean(calibrated)) - float(np.mean([y for _, y in data]))) < 1e-9


def test_isotonic_pools_violators() -> None:
    xs, ys = isotonic([0.1, 0.2, 0.3, 0.4], [0.0, 1.0, 0.0, 1.0])
    assert xs == [0.1, 0.2, 0.3, 0.4]
    assert ys == [0.0, 0.5, 0.5, 1.0]
    xs, ys = isotonic([0.3, 0.1, 0.2, 0.2], [1.0, 0.0, 1.0, 0.0])
    assert (xs, ys) == ([0.1, 0.2, 0.3], [0.0, 0.5, 1.0])


@given(st.floats(0, 1), st.floats(0, 1))
def test_formula_is_the_raw_score_in_percent(fit_: float, intent: float) -> None:
    assert FORMULA.grade(fit_, intent) == round(100 * raw_score(fit_, intent))


def test_too_few_samples_or_one_label_fall_back_to_the_formula() -> None:
    few = fit([(0.2, False), (0.8, True)], scope="global", min_samples=3, min_positives=1)
    assert (few.mapping, few.sample_size, few.positives) == ("formula", 2, 1)
    one_label = fit([(0.1 * i, True) for i in range(10)], scope="global", min_samples=3, min_positives=1)
    assert one_label.mapping == "formula"
    fitted = fit([(0.2, False), (0.5, False), (0.8, True)], scope="global", min_samples=3, min_positives=1)
    assert fitted.mapping == "outcomes"
    assert fitted.probability(0.0) == 0.0
    assert fitted.probability(1.0) == 1.0
    assert fitted.grade(0.8, 0.8) == 100


async def _outcome(engine: AsyncEngine, domain: str, kind: str, request_id: uuid.UUID | None) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO outcomes (event_id, request_id, company_id, type, occurred_at) "
                "SELECT :e, :r, id, :t, :at FROM companies WHERE domain = :d"
            ),
            {"e": uuid.uuid4().hex, "r": request_id, "t": kind, "at": datetime.now(UTC), "d": domain},
        )


async def _workspace_request(engine: AsyncEngine, key: str) -> uuid.UUID:
    """A logged search made with `key` (the link from an outcome to a workspace)."""
    request_id = uuid.uuid4()
    prefix = key.split("_")[1]
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO requests (id, api_key_id, prompt, k, latency_ms, cost_usd, model_version, cache_hit) "
                "SELECT :id, id, 'p', 10, 1.0, 0.0, 'm', false FROM api_keys WHERE prefix = :prefix"
            ),
            {"id": request_id, "prefix": prefix},
        )
    return request_id


def _expected(calibration: dict[str, object], knots: list[list[float]], item: dict[str, float]) -> int:
    assert calibration["mapping"] == "outcomes"
    c = Calibration(
        mapping="outcomes",
        scope="global",
        sample_size=0,
        positives=0,
        knots_x=tuple(k[0] for k in knots),
        knots_y=tuple(k[1] for k in knots),
    )
    return c.grade(item["fit"], item["intent"])


async def _knots(engine: AsyncEngine, workspace: bool) -> list[list[float]]:
    where = "workspace_id IS NOT NULL" if workspace else "workspace_id IS NULL"
    async with engine.connect() as conn:
        return list(
            (await conn.execute(text(f"SELECT knots FROM grade_calibrations WHERE {where}"))).scalar_one()
        )


async def test_score_uses_the_global_then_the_workspace_map(
    lists_app: ListsApp, search_key: str, engine: AsyncEngine
) -> None:
    before = await score(lists_app, search_key, prompt=PROMPT, items=DOMAINS)
    assert before["calibration"] == {
        "mapping": "formula",
        "scope": None,
        "sample_size": 0,
        "positives": 0,
        "fitted_at": None,
    }
    for item in before["items"]:
        if item["grade"] is not None:
            assert item["grade"] == round(100 * raw_score(item["fit"], item["intent"]))

    # Outcomes not tied to the workspace: only the global scope has samples.
    await _outcome(engine, "acme-foods.com", "meeting", None)
    await _outcome(engine, "globex-logistics.com", "impression", None)
    await _outcome(engine, "initech.io", "unsubscribe", None)
    sessions = create_sessionmaker(engine)
    maps = await refit_all(sessions, min_samples=3, min_positives=1)
    assert maps[None].mapping == "outcomes"
    assert [(c.scope, c.mapping, c.sample_size) for w, c in maps.items() if w is not None] == [
        ("workspace", "formula", 0)
    ]
    after = await score(lists_app, search_key, prompt=PROMPT, items=DOMAINS)
    assert after["calibration"]["mapping"] == "outcomes"
    assert after["calibration"]["scope"] == "global"
    assert (after["calibration"]["sample_size"], after["calibration"]["positives"]) == (3, 1)
    knots = await _knots(engine, workspace=False)
    for item in after["items"]:
        if item["grade"] is not None:
            assert item["grade"] == _expected(after["calibration"], knots, item)

    # The workspace's own outcomes (of searches made with its keys) take precedence.
    request_id = await _workspace_request(engine, search_key)
    await _outcome(engine, "acme-foods.com", "impression", request_id)
    await _outcome(engine, "globex-logistics.com", "reply", request_id)
    await _outcome(engine, "initech.io", "click", request_id)
    await refit_all(sessions, min_samples=3, min_positives=1)
    own = await score(lists_app, search_key, prompt=PROMPT, items=DOMAINS)
    assert own["calibration"]["scope"] == "workspace"
    assert (own["calibration"]["mapping"], own["calibration"]["sample_size"]) == ("outcomes", 3)
    knots = await _knots(engine, workspace=True)
    for item in own["items"]:
        if item["grade"] is not None:
            assert item["grade"] == _expected(own["calibration"], knots, item)
    async with engine.connect() as conn:
        used = (await conn.execute(text("SELECT DISTINCT calibration FROM lead_grades"))).scalars().all()
    assert set(used) == {"formula", "outcomes"}
    audit = await lists_app.client.get("/v1/audit", params={"action": "grade"}, headers=bearer(search_key))
    assert {e["detail"]["calibration"] for e in audit.json()["entries"]} == {"formula", "outcomes"}


async def test_cli_refits_on_demand(
    lists_app: ListsApp, search_key: str, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    await score(lists_app, search_key, prompt=PROMPT, items=DOMAINS)
    settings = lists_app.settings.model_copy(
        update={"calibration_min_samples": 3, "calibration_min_positives": 1}
    )
    await _outcome(engine, "acme-foods.com", "purchase", None)
    await _outcome(engine, "globex-logistics.com", "click", None)
    await _outcome(engine, "initech.io", "impression", None)
    assert await calibrate_now(settings) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "global: outcomes (3 samples, 1 positive)"
    assert lines[1].startswith("workspace ")
    assert lines[1].endswith(": formula (0 samples, 0 positive)")


async def test_the_periodic_refit_runs_once_per_interval_across_processes(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE grade_calibrations SET fitted_at = now() - interval '2 hours'"))
    # Two processes' rounds at the same moment: one refits, the other is locked out or finds it fresh.
    rounds = await asyncio.gather(
        *(refit_if_due(sessions, interval_s=3600, min_samples=3, min_positives=1) for _ in range(2))
    )
    assert sum(r is not None for r in rounds) == 1
    assert await refit_if_due(sessions, interval_s=3600, min_samples=3, min_positives=1) is None
    refitted = await refit_if_due(sessions, interval_s=0.001, min_samples=3, min_positives=1)
    assert refitted is not None
    assert None in refitted

"""The eligibility worker on the real stack: grades the companies matching a saved ICP once per
evidence version; a re-run grades nothing; new evidence is graded again; concurrent rounds never
double a grade."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.db import create_sessionmaker
from app.icps.tables import Icp
from app.lists.eligibility import run_round, verdicts
from app.lists.evidence import load_leads
from app.lists.score import icp_target
from tests.lists.conftest import ACME, ListsApp, _snippet
from tests.lists.test_score import make_icp
from tests.workspaces.support import bearer, workspace_key

ANY = -1.0  # no relevance threshold: the hard criteria alone decide (the threshold has its own test)
# No hard criteria, and a product that all three companies of the world are relevant to.
ANYONE: dict[str, Any] = {
    "name": "Anyone",
    "product_description": (
        "Database migration to PostgreSQL and Snowflake for food distributors, freight carriers and "
        "software companies"
    ),
    "countries": [],
    "employees_min": None,
    "employees_max": None,
    "industries": [],
    "technologies": [],
}


async def grades(engine: AsyncEngine) -> list[tuple[str, int, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT c.domain, g.evidence_version, g.source FROM lead_grades g "
                "JOIN companies c ON c.id = g.company_id ORDER BY c.domain, g.evidence_version"
            )
        )
        return [(r.domain, r.evidence_version, r.source) for r in rows]


async def test_grades_once_per_evidence_version_and_rerun_is_a_no_op(
    lists_app: ListsApp, search_key: str, engine: AsyncEngine
) -> None:
    sessions: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
    ranker = lists_app.ranker
    await make_icp(lists_app, search_key)  # DE, 50-5000 employees: only Acme matches

    first = await run_round(sessions, ranker, batch=100, bm25_limit=300, min_relevance=ANY)
    assert (first.icps, first.graded) == (1, 1)
    rows = await grades(engine)
    assert [(d, s) for d, _, s in rows] == [("acme-foods.com", "worker")]

    again = await run_round(sessions, ranker, batch=100, bm25_limit=300, min_relevance=ANY)
    assert again.graded == 0
    assert await grades(engine) == rows

    # New evidence about Acme: a new profile version, graded once more.
    settings_key = await workspace_key(engine, lists_app.settings, "default", "ingest")
    new = _snippet(
        "acme-foods.com", ACME, "news", "Acme Foods acquires a regional frozen food distributor.", 1, 99
    )
    answer = await lists_app.client.post(
        "/v1/snippets", json={"snippets": [new]}, headers=bearer(settings_key)
    )
    assert answer.json()["accepted"] == 1
    await ranker.index.refresh()
    third = await run_round(sessions, ranker, batch=100, bm25_limit=300, min_relevance=ANY)
    assert third.graded == 1
    versions = [v for d, v, _ in await grades(engine) if d == "acme-foods.com"]
    assert len(versions) == 2
    assert versions[0] < versions[1]

    audit = await lists_app.client.get("/v1/audit", params={"action": "grade"}, headers=bearer(search_key))
    assert [e["detail"]["source"] for e in audit.json()["entries"]] == ["worker", "worker"]


async def test_concurrent_rounds_grade_each_company_once(
    lists_app: ListsApp, search_key: str, engine: AsyncEngine
) -> None:
    sessions: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
    await make_icp(lists_app, search_key, **ANYONE)
    results = await asyncio.gather(
        *(
            run_round(sessions, lists_app.ranker, batch=100, bm25_limit=300, min_relevance=ANY)
            for _ in range(3)
        )
    )
    assert sum(r.graded for r in results) == 3
    assert sorted(d for d, _, _ in await grades(engine)) == [
        "acme-foods.com",
        "globex-logistics.com",
        "initech.io",
    ]
    assert (
        await run_round(sessions, lists_app.ranker, batch=100, bm25_limit=300, min_relevance=ANY)
    ).graded == 0


@pytest.mark.parametrize(
    ("change", "graded"),
    [
        ({}, {"acme-foods.com", "globex-logistics.com", "initech.io"}),
        ({"industries": ["Software"]}, {"initech.io"}),  # the label
        ({"industries": ["42"]}, {"acme-foods.com"}),  # the NAICS sector its label is inferred in
        ({"industries": ["Wholesale Trade"]}, {"acme-foods.com"}),  # the sector by name
        ({"technologies": ["Snowflake"]}, {"acme-foods.com"}),
        ({"exclusions": ["acme-foods.com", "initech.io"]}, {"globex-logistics.com"}),
        ({"exclusions": ["Snowflake"]}, {"globex-logistics.com", "initech.io"}),  # "not using"
        ({"countries": ["FR"]}, {"globex-logistics.com"}),
        ({"employees_min": 500}, {"initech.io"}),
        ({"employees_max": 100}, {"globex-logistics.com"}),
        ({"exemplar_domains": ["acme-foods.com"]}, {"globex-logistics.com", "initech.io"}),
    ],
)
async def test_every_icp_field_the_search_honours_decides_eligibility(
    lists_app: ListsApp, search_key: str, engine: AsyncEngine, change: dict[str, Any], graded: set[str]
) -> None:
    sessions: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
    await make_icp(lists_app, search_key, **{**ANYONE, **change})
    first = await run_round(sessions, lists_app.ranker, batch=100, bm25_limit=300, min_relevance=ANY)
    assert {d for d, _, _ in await grades(engine)} == graded
    assert first.graded == len(graded)
    async with engine.connect() as conn:
        verdicts = {
            r.domain: (r.eligible, r.relevance)
            for r in await conn.execute(
                text(
                    "SELECT c.domain, e.eligible, e.relevance FROM icp_eligibility e "
                    "JOIN companies c ON c.id = e.company_id"
                )
            )
        }
    assert {d for d, (ok, _) in verdicts.items() if ok} == graded
    # Looked at once: the next round neither grades nor checks anything again.
    again = await run_round(sessions, lists_app.ranker, batch=100, bm25_limit=300, min_relevance=ANY)
    assert (again.graded, again.ineligible) == (0, 0)


async def test_an_edited_icp_is_checked_again(
    lists_app: ListsApp, search_key: str, engine: AsyncEngine
) -> None:
    sessions: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
    icp_id = await make_icp(lists_app, search_key, **{**ANYONE, "technologies": ["Snowflake"]})
    first = await run_round(sessions, lists_app.ranker, batch=100, bm25_limit=300, min_relevance=ANY)
    assert (first.graded, first.ineligible) == (1, 2)
    assert (
        await run_round(sessions, lists_app.ranker, batch=100, bm25_limit=300, min_relevance=ANY)
    ).ineligible == 0
    patched = await lists_app.client.patch(
        f"/v1/icps/{icp_id}", json={"technologies": ["PostgreSQL"]}, headers=bearer(search_key)
    )
    assert patched.status_code == 200, patched.text
    second = await run_round(sessions, lists_app.ranker, batch=100, bm25_limit=300, min_relevance=ANY)
    # Initech passes now and Globex still fails (both looked at again); Acme keeps its grade
    # (graded at this evidence version).
    assert (second.graded, second.ineligible) == (1, 1)
    assert {d for d, _, _ in await grades(engine)} == {"acme-foods.com", "initech.io"}


async def test_relevance_to_the_product_decides_above_the_threshold(
    lists_app: ListsApp, search_key: str, engine: AsyncEngine
) -> None:
    """Cold chain monitoring for food distributors: the food distributor is more relevant than the
    software company, and a threshold between the two keeps only the first."""
    icp = {
        **ANYONE,
        "product_description": "Temperature sensors and cold chain monitoring for food distributors",
    }
    await make_icp(lists_app, search_key, **icp)
    async with create_sessionmaker(engine)() as session:
        row = (await session.execute(select(Icp))).scalar_one()
        leads = list((await load_leads(session, domains=["acme-foods.com", "initech.io"])).values())
    found = verdicts(lists_app.ranker, icp_target(row), leads, min_relevance=ANY)
    by_domain = {lead.domain: found[lead.company_id].relevance for lead in leads}
    assert by_domain["acme-foods.com"] > by_domain["initech.io"]
    threshold = (by_domain["acme-foods.com"] + by_domain["initech.io"]) / 2
    kept = verdicts(lists_app.ranker, icp_target(row), leads, min_relevance=threshold)
    assert {lead.domain for lead in leads if kept[lead.company_id].eligible} == {"acme-foods.com"}

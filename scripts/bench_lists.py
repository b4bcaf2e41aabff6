"""Latency of the list routes at their synchronous limit: enrich, score and drafts of N items.

    python -m scripts.bench_lists [--companies 1000] [--items 1000] [--repeat 5]

Builds its own database (`<DATABASE_URL db>_bench_lists`, replaced), ingests `--companies`
companies with six snippets each through the real ingestion API (embedded mode: validation,
facts, profiles), then runs the app in-process over ASGI and times each route on `--items` items
(90 % known domains, 5 % e-mail addresses, 5 % unknown or free-mail): median and max of
`--repeat` runs after one warm-up. Prints a Markdown table for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from app.api.state import state_of
from app.auth.service import create_key
from app.core.config import Settings, get_settings
from app.core.db import create_engine, create_sessionmaker
from app.leads.startup import Ranker
from app.main import create_app
from tools.db_admin import alembic_run, drop_database, ensure_database, with_database

TEXTS = (
    ("profile", "{name} distributes chilled food to supermarkets in {city}."),
    ("tech_stack", "{name} migrated from Teradata to Snowflake last quarter."),
    ("funding", "{name} raises $25 million Series B led by Index Ventures."),
    ("job_post", "{name} is hiring {n} Data Engineers in {city}."),
    ("news", "{name} opens a new warehouse in {city} as part of its expansion."),
    ("social", "Our {city} team shipped {n} thousand orders this week, thank you!"),
)
CITIES = ("Berlin", "Munich", "Lyon", "Austin", "Leeds", "Porto")


def world(companies: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    out = []
    for i in range(companies):
        name, domain = f"Company{i}", f"company{i}.example"
        company = {
            "domain": domain,
            "name": name,
            "industry": "Wholesale Trade",
            "employees": 50 + i % 900,
            "country": "DE",
        }
        for j, (kind, text) in enumerate(TEXTS):
            out.append(
                {
                    "miner_id": f"bench-miner-{i // 100}",  # spread over miners: one would be throttled
                    "company": company,
                    "kind": kind,
                    "text": text.format(name=name, city=CITIES[(i + j) % len(CITIES)], n=2 + (i + j) % 7),
                    "source_url": f"https://news.example.com/{domain}/{j}",
                    "observed_at": (now - timedelta(days=(i + j) % 300)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
    return out


def items(known: int, count: int) -> list[str]:
    out = []
    for i in range(count):
        r = i % 20
        if r == 0:
            out.append(f"jane.doe@company{i % known}.example")
        elif r == 1:
            out.append("someone@gmail.com" if i % 2 else f"unknown{i}.example")
        else:
            out.append(f"company{i % known}.example")
    return out


async def run(
    settings: Settings, *, companies: int, count: int, repeat: int
) -> list[tuple[str, float, float]]:
    engine = create_engine(settings)
    async with create_sessionmaker(engine)() as session:
        _, new = await create_key(
            session,
            name="bench",
            scopes=["search", "ingest"],
            pepper=settings.api_key_pepper,
            rate_limit_per_minute=None,
        )
        await session.commit()
    await engine.dispose()
    headers = {"Authorization": f"Bearer {new.clear}"}
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as client:
            snippets = world(companies)
            started = time.perf_counter()
            for k in range(0, len(snippets), 1000):
                answer = await client.post(
                    "/v1/snippets", json={"snippets": snippets[k : k + 1000]}, headers=headers
                )
                answer.raise_for_status()
            print(f"ingested {len(snippets)} snippets in {time.perf_counter() - started:.1f} s")
            ranker = state_of(app).ranker
            assert isinstance(ranker, Ranker)
            await ranker.index.refresh()
            icp = await client.post(
                "/v1/icps",
                json={
                    "name": "bench",
                    "product_description": "Cold chain monitoring for food distributors",
                    "industries": ["Wholesale Trade"],
                    "countries": ["DE"],
                    "technologies": ["Snowflake"],
                },
                headers=headers,
            )
            icp_id = icp.json()["id"]
            payload = items(companies, count)
            routes = {
                "enrich": ("/v1/leads/enrich", {"items": payload}),
                "score": ("/v1/leads/score", {"items": payload, "icp_id": icp_id}),
                "drafts": ("/v1/leads/drafts", {"items": payload, "icp_id": icp_id}),
            }
            results = []
            for name, (path, body) in routes.items():
                times = []
                for _ in range(repeat + 1):
                    t = time.perf_counter()
                    response = await client.post(path, json=body, headers=headers)
                    response.raise_for_status()
                    times.append(time.perf_counter() - t)
                results.append((name, statistics.median(times[1:]), max(times[1:])))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=1000)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    base = get_settings()
    url = with_database(base.database_url, base.database_url.rsplit("/", 1)[1].split("?")[0] + "_bench_lists")
    settings = base.model_copy(
        update={
            "database_url": url,
            "kafka_bootstrap_servers": "",
            "eligibility_enabled": False,
            "index_refresh_interval_s": 3600.0,
            "lists_max_items": max(args.items, 1),
            "log_level": "WARNING",
        }
    )

    async def go() -> list[tuple[str, float, float]]:
        await drop_database(url)
        await ensure_database(url)
        await alembic_run(url, "upgrade", "head")
        try:
            return await run(settings, companies=args.companies, count=args.items, repeat=args.repeat)
        finally:
            await drop_database(url)

    results = asyncio.run(go())
    print(
        f"\n| route ({args.items} items, {args.companies} companies) | median s | max s | items/s (median) |"
    )
    print("|---|---|---|---|")
    for name, median, worst in results:
        print(f"| `POST /v1/leads/{name}` | {median:.3f} | {worst:.3f} | {args.items / median:.0f} |")


if __name__ == "__main__":
    main()

"""Wait until the PostgreSQL server behind Settings.database_url accepts connections.

Used by the migration Job's init container (`entrypoint.sh wait-db SECONDS`): exits 0 as soon as
`SELECT 1` succeeds, 1 when the deadline passes. Never prints the password.
"""

from __future__ import annotations

import asyncio
import sys
import time

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.core.config import get_settings


async def _select_one(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 5})
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


def main(argv: list[str]) -> int:
    deadline = time.monotonic() + (float(argv[1]) if len(argv) > 1 else 120.0)
    settings = get_settings()
    url = settings.migration_database_url or settings.database_url  # the migration job's connection
    where = make_url(url).render_as_string(hide_password=True)
    attempt = 0
    while True:
        attempt += 1
        try:
            asyncio.run(_select_one(url))
        except (TimeoutError, OSError, SQLAlchemyError) as exc:
            if time.monotonic() >= deadline:
                print(f"wait-db: {where} still unreachable after {attempt} attempts: {type(exc).__name__}")
                return 1
            print(f"wait-db: {where} not ready ({type(exc).__name__}), retrying")
            time.sleep(min(2.0 * attempt, 10.0))
        else:
            print(f"wait-db: {where} is ready after {attempt} attempt(s)")
            return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

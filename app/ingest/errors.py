"""Which storage failures are worth retrying (PostgreSQL down, restarting, slow, deadlocked)."""

from __future__ import annotations

import asyncpg
import sqlalchemy.exc

# SQLSTATE classes: 08 connection, 53 insufficient resources, 57 operator intervention (shutdown,
# statement timeout), 40 transaction rollback (deadlock, serialization), 55P03 lock not available.
TRANSIENT_CLASSES = ("08", "53", "57", "40", "58")
TRANSIENT_STATES = frozenset({"55P03"})


def is_transient(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(
            current,
            OSError
            | TimeoutError
            | ConnectionError
            | asyncpg.PostgresConnectionError
            | asyncpg.InterfaceError
            | asyncpg.exceptions.CannotConnectNowError
            | asyncpg.exceptions.TooManyConnectionsError
            | sqlalchemy.exc.TimeoutError
            | sqlalchemy.exc.DisconnectionError,
        ):
            return True
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str) and (state[:2] in TRANSIENT_CLASSES or state in TRANSIENT_STATES):
            return True
        current = current.__cause__ or current.__context__
    return False

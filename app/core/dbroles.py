"""The database role the app runs as in deployment: `leadpoet_app` (created by the migrations, with
SELECT, INSERT, UPDATE and DELETE on the app's tables but only SELECT and INSERT on the append-only
audit log). The migration job, connected as the schema owner, gives it a login with the password
DATABASE_APP_PASSWORD when that is set; the app's DATABASE_URL then names this role."""

from __future__ import annotations

APP_ROLE = "leadpoet_app"


def quote_literal(value: str) -> str:
    """`value` as an SQL string literal (standard_conforming_strings: only quotes are doubled)."""
    if "\x00" in value:
        raise ValueError("a NUL character cannot be part of a password")
    return "'" + value.replace("'", "''") + "'"


def login_sql(password: str) -> str:
    """The statement that lets the app role log in with `password` (ALTER ROLE takes no bind
    parameters, hence the literal)."""
    return f"ALTER ROLE {APP_ROLE} WITH LOGIN PASSWORD {quote_literal(password)}"

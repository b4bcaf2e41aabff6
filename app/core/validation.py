"""Edge validators shared by request models: text PostgreSQL can store, bounded and trimmed."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator


def check_text(value: str) -> str:
    """Reject NUL and lone surrogates (PostgreSQL text cannot hold them); trim surrounding blanks."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValueError("text must not contain lone surrogates")
    return value.strip()


def text_problem(value: str) -> str | None:
    """The reason `value` is not storable text, or None."""
    try:
        check_text(value)
    except ValueError as exc:
        return str(exc)
    return None


SafeText = Annotated[str, AfterValidator(check_text)]

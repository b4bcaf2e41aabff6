"""Edge types every request model uses: text PostgreSQL and JSON can always store, integers within
the column types, strict JSON types (no "5" -> 5, no true -> 1, no 0 -> false).

`SafeStr` rejects NUL and lone UTF-16 surrogates: PostgreSQL refuses NUL in text and jsonb, and a
lone surrogate cannot be encoded as UTF-8 (asyncpg, Redis keys and orjson all fail on it). Rejecting
them where the request is parsed turns what would be a 500 (or a stuck write buffer) into a 422
naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_reason(value: str) -> str | None:
    """Why `value` cannot be stored as text ("NUL character" / "lone surrogate"), or None."""
    match = _UNSTORABLE.search(value)
    if match is None:
        return None
    return "NUL character" if match.group() == "\x00" else "lone surrogate"


def _safe(value: str) -> str:
    reason = unstorable_reason(value)
    if reason is not None:
        raise ValueError(f"text must not contain a {reason}")
    return value


def first_unstorable(value: Any, path: str = "") -> str | None:
    """The path ("a.b.0", "" for the value itself) of the first string (key or value) in a decoded JSON
    value that holds NUL or a lone surrogate; None when every string is storable."""
    if isinstance(value, str):
        return path if unstorable_reason(value) is not None else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and unstorable_reason(key) is not None:
                return path or "<key>"
            found = first_unstorable(item, child)
            if found is not None:
                return found
        return None
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for index, item in enumerate(value):
            found = first_unstorable(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


# The schema's way of saying "no NUL" (lone surrogates are not valid JSON text to begin with). It
# is the type's JSON schema `pattern`: a field with a pattern of its own states it the same way
# (`json_schema_extra`), or uses `str` when its pattern already excludes NUL.
NO_NUL_PATTERN = "^[^\\u0000]*$"
# Text that PostgreSQL (text, jsonb), Redis and orjson can all store. Strict: a number is not a string.
SafeStr = Annotated[
    str, Strict(), AfterValidator(_safe), Field(json_schema_extra={"pattern": NO_NUL_PATTERN})
]


def _whole_number(value: Any) -> Any:
    """JSON Schema's `integer` includes 82.0: a float without a fraction is that integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Strict: "5" and true are not integers (82.0 is, as in JSON Schema). A field with its own bounds
# uses StrictInt with Field(ge, le) inside the column's range (bounds given here would take
# precedence over the field's).
StrictInt = Annotated[int, Strict(), BeforeValidator(_whole_number)]
# Integers as stored in an int4 / int8 column (the bounds before the validator, so that they stay
# `minimum`/`maximum` in the JSON schema).
Int32 = Annotated[int, Strict(), Field(ge=-(2**31), le=INT32_MAX), BeforeValidator(_whole_number)]
Int64 = Annotated[int, Strict(), Field(ge=-(2**63), le=INT64_MAX), BeforeValidator(_whole_number)]
NonNegativeInt32 = Annotated[int, Strict(), Field(ge=0, le=INT32_MAX), BeforeValidator(_whole_number)]
StrictBool = Annotated[bool, Strict()]

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
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_reason(value: str) -> str | None:
    """Why `value` cannot be stored as text ("NUL character" / "lone surrogate"), or None."""
    match = _UNSTORABLE.search(value)
    if match is None:
        return None
    return "NUL character" if match.group() == "\x00" else "lone surrogate"


def substitute_unstorable(value: str) -> str:
    """`value` with each NUL and lone surrogate replaced by U+001A (SUBSTITUTE): storable, and still
    a control character (what a list item's check refuses as `encoding`)."""
    return _UNSTORABLE.sub("\x1a", value)


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


def whole_number(value: Any) -> Any:
    """JSON Schema's `integer` includes 82.0: a float without a fraction is that integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Strict: "5" and true are not integers (82.0 is, as in JSON Schema). A field with its own bounds
# uses StrictInt with Field(ge, le) inside the column's range (bounds given here would take
# precedence over the field's).
StrictInt = Annotated[int, Strict(), BeforeValidator(whole_number)]
# Integers as stored in an int4 / int8 column (the bounds before the validator, so that they stay
# `minimum`/`maximum` in the JSON schema).
Int32 = Annotated[int, Strict(), Field(ge=-(2**31), le=INT32_MAX), BeforeValidator(whole_number)]
Int64 = Annotated[int, Strict(), Field(ge=-(2**63), le=INT64_MAX), BeforeValidator(whole_number)]
NonNegativeInt32 = Annotated[int, Strict(), Field(ge=0, le=INT32_MAX), BeforeValidator(whole_number)]
StrictBool = Annotated[bool, Strict()]
Percent = Annotated[int, Strict(), Field(ge=0, le=100), BeforeValidator(whole_number)]


def check_text(value: str) -> str:
    """`SafeStr`'s check, then surrounding blanks trimmed (names, descriptions, list items)."""
    return _safe(value).strip()


def text_problem(value: str) -> str | None:
    """Why `value` is not storable text (a sentence), or None."""
    reason = unstorable_reason(value)
    return None if reason is None else f"text must not contain a {reason}"


# Storable text, trimmed.
SafeText = Annotated[
    str, Strict(), AfterValidator(check_text), Field(json_schema_extra={"pattern": NO_NUL_PATTERN})
]


# The JSON Schema (ECMA-262) `\s` set: what `Trimmed` text loses at both ends, so that the schema's
# pattern and the validator agree on every string (Python's str.strip() has another set). One list
# of code point ranges gives both the characters (for the validator) and the regex class (schema).
_BLANK_RANGES = (
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2028),
    (0x2029, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
)
BLANK_CHARS = "".join(chr(c) for low, high in _BLANK_RANGES for c in range(low, high + 1))
BLANK_CLASS = "".join(
    f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in _BLANK_RANGES
)


def trimmed_pattern(min_length: int, max_length: int) -> str:
    """The JSON Schema pattern of text with `min_length`..`max_length` characters between its first
    and last non-blank one, no NUL, any blanks around."""
    solid = f"[^{BLANK_CLASS}\\u0000]"
    options = []
    if min_length == 0:
        options.append("")
    if min_length <= 1 <= max_length:
        options.append(solid)
    if max_length >= 2:
        options.append(f"{solid}[^\\u0000]{{{max(0, min_length - 2)},{max_length - 2}}}{solid}")
    return f"^[{BLANK_CLASS}]*(?:{'|'.join(options)})[{BLANK_CLASS}]*$"


@dataclass(frozen=True, slots=True)
class Trimmed:
    """`Annotated[str, Strict(), Trimmed(1, 100)]`: storable text stored without its surrounding
    blanks, whose length is checked after trimming; the JSON schema says exactly that (a pattern,
    no minLength/maxLength on the untrimmed string), so schema-driven clients and fuzzers see what
    the validator enforces."""

    min_length: int
    max_length: int

    def check(self, value: str) -> str:
        value = _safe(value).strip(BLANK_CHARS)
        if len(value) < self.min_length:
            raise ValueError(f"at least {self.min_length} characters besides leading and trailing blanks")
        if len(value) > self.max_length:
            raise ValueError(f"at most {self.max_length} characters besides leading and trailing blanks")
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["pattern"] = trimmed_pattern(self.min_length, self.max_length)
        return out

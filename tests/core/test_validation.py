"""The edge types: text without NUL or lone surrogates, int32/int64 bounds, strict JSON types, trimmed
text whose schema pattern says what its validator accepts."""

from __future__ import annotations

import re
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, Strict, TypeAdapter, ValidationError

from app.core.validation import (
    BLANK_CHARS,
    INT32_MAX,
    Int32,
    SafeStr,
    StrictBool,
    StrictInt,
    Trimmed,
    first_unstorable,
    unstorable_reason,
)


class Model(BaseModel):
    text: SafeStr = "x"
    n: Int32 = 0
    flag: StrictBool = False


@pytest.mark.parametrize("bad", ["a\x00b", "\udfff", "x\ud800y", "\x00"])
def test_unstorable_text_is_rejected(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        Model.model_validate({"text": bad})
    assert info.value.errors()[0]["loc"] == ("text",)


@pytest.mark.parametrize(
    "value", [{"n": "5"}, {"n": True}, {"n": 1.5}, {"flag": 0}, {"flag": "true"}, {"text": 5}]
)
def test_no_coercion(value: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Model.model_validate(value)


@pytest.mark.parametrize("n", [INT32_MAX + 1, -(2**31) - 1, 2**64, 10**30])
def test_int32_bounds(n: int) -> None:
    with pytest.raises(ValidationError):
        Model.model_validate({"n": n})
    assert Model.model_validate({"n": INT32_MAX}).n == INT32_MAX


@given(st.text())
def test_safe_text_is_utf8_encodable_without_nul(text: str) -> None:
    reason = unstorable_reason(text)
    storable = "\x00" not in text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        storable = False
    assert (reason is None) == storable


def test_first_unstorable_names_the_path() -> None:
    assert first_unstorable({"a": [1, "ok", {"b": "x\x00"}]}) == "a.2.b"
    assert first_unstorable({"a": "ok", "n": None, "f": 1.5}) is None
    assert first_unstorable({"\udfff": 1}) == "<key>"
    assert first_unstorable("\udfff") == ""


class Bounded(BaseModel):
    k: StrictInt = Field(default=1, ge=1, le=200)


@pytest.mark.parametrize("k", [0, 201, -1])
def test_field_bounds_hold_with_strict_int(k: int) -> None:
    with pytest.raises(ValidationError):
        Bounded.model_validate({"k": k})


_trimmed_cases = st.tuples(st.integers(0, 6), st.integers(0, 6)).filter(lambda b: b[0] <= b[1])
_texts = st.text(
    alphabet=st.sampled_from([*BLANK_CHARS[:8], "a", "é", "\x1c", "\x85", "\x00", " "]), max_size=12
)


@given(_trimmed_cases, _texts)
def test_trimmed_pattern_accepts_exactly_what_the_validator_does(bounds: tuple[int, int], value: str) -> None:
    """The schema's pattern and the validator agree on every string (fuzzers and generated
    clients see what is enforced): blanks are the same set on both sides, lengths count after
    trimming."""
    low, high = bounds
    adapter = TypeAdapter(Annotated[str, Strict(), Trimmed(low, high)])
    pattern = re.compile(adapter.json_schema()["pattern"])
    try:
        out = adapter.validate_python(value)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == bool(pattern.search(value)), (value, bounds)
    if accepted:
        assert out == value.strip(BLANK_CHARS)
        assert low <= len(out) <= high

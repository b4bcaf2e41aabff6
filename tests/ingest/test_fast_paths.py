"""The storage path's shortcuts give the answers of the plain definitions they replace."""

from __future__ import annotations

import itertools
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.core.validation import first_unstorable
from app.ingest import dedup
from app.ingest.dedup import MASK64, simhash_many, to_signed, words
from app.ingest.extract import extract
from app.ingest.normalize import _LETTER, _letters
from app.ingest.profile_merge import Evidence, merge
from app.ingest.validate import _Reject, _storable
from tests.ingest.factory import TEXTS

# Text with the characters the shortcuts treat specially: NUL, lone surrogates, a literal "\u0000".
risky_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"), st.sampled_from(["\x00", "\ud800", "\udfff", "\\", "u", "0"])
    ),
    max_size=20,
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), risky_text),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(risky_text, children, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_storable_agrees_with_the_walk(raw: Any) -> None:
    try:
        _storable(raw)
        refused = None
    except _Reject as exc:
        refused = exc.rejection.field
    expected = first_unstorable(raw)
    assert refused == (None if expected is None else expected[:200])


@given(st.text(max_size=200))
def test_letters_counts_what_the_pattern_matches(text: str) -> None:
    assert _letters(text) == len(_LETTER.findall(text))


def _mix(x: int) -> int:
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & MASK64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def reference_simhash(text: str) -> int:
    """Charikar's simhash over words and word pairs, one text at a time, in plain integers."""
    tokens = words(text) or [""]
    base = [zlib.crc32(w.encode("utf-8")) for w in tokens]
    pairs = [(a * 0x9E3779B97F4A7C15 + (b << 32) + b) & MASK64 for a, b in itertools.pairwise(base)]
    features = [_mix(x) for x in base + pairs]
    value = 0
    for bit in range(64):
        if 2 * sum((f >> bit) & 1 for f in features) > len(features):
            value |= 1 << bit
    return to_signed(value)


@given(st.lists(st.text(max_size=120), min_size=1, max_size=8))
def test_simhash_many_matches_the_reference(texts: list[str]) -> None:
    assert simhash_many(texts) == [reference_simhash(t) for t in texts]


def test_simhash_many_after_the_word_cache_is_cleared() -> None:
    texts = [t.format(name=f"Company{i}") for i, t in enumerate(TEXTS)]
    expected = [reference_simhash(t) for t in texts]
    limit = dedup._MAX_CACHED_WORDS
    try:
        dedup._MAX_CACHED_WORDS = 10  # every batch overflows the cache
        assert simhash_many(texts) == expected
        assert simhash_many(texts[::-1]) == expected[::-1]
    finally:
        dedup._MAX_CACHED_WORDS = limit
        dedup._WORD_HASHES.clear()


def _evidence(i: int, text: str) -> Evidence:
    return Evidence(
        snippet_id=f"s{i}",
        miner_id=f"m{i % 3}",
        reputation=0.5 + 0.1 * (i % 4),
        kind="news",
        text=text,
        observed_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=i),
        company={"name": "Acme", "industry": "Software", "employees": 100 + 40 * i, "country": "US"},
        facts=extract(kind="news", text=text),
    )


def test_merge_in_place_equals_merge_of_a_copy() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    first = [_evidence(i, t.format(name="Acme")) for i, t in enumerate(TEXTS)]
    later = [_evidence(10 + i, t.format(name="Acme Corp")) for i, t in enumerate(TEXTS)]
    base, _ = merge({}, first, now=now)
    copied, stats_copy = merge(base, later, now=now)
    in_place, stats_in_place = merge(base, later, now=now, copy=False)
    assert copied == in_place
    assert stats_copy == stats_in_place

"""Content fingerprints: an exact hash of the normalised text per company, and a 64-bit simhash for
near-duplicates (Charikar, over words and word pairs), plus a boilerplate heuristic."""

from __future__ import annotations

import hashlib
import itertools
import re
import zlib

import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MASK64 = (1 << 64) - 1


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def content_hash(*, domain: str, text: str) -> bytes:
    """sha256 of the company domain and the word sequence of the text (case, punctuation and
    spacing do not matter): the same evidence about the same company hashes the same."""
    canon = domain + "\n" + " ".join(words(text))
    return hashlib.sha256(canon.encode("utf-8")).digest()


def default_snippet_id(*, miner_id: str, source_url: str, text: str) -> str:
    """The contract's default id: a hash of miner_id + source_url + text (as sent)."""
    digest = hashlib.sha256(f"{miner_id}\n{source_url}\n{text}".encode()).hexdigest()
    return digest[:40]


_WORD_HASHES: dict[str, int] = {}
_MAX_CACHED_WORDS = 200_000
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_PAIR = np.uint64(0x9E3779B97F4A7C15)


def _word_hashes(tokens: list[str]) -> dict[str, int]:
    """Stable per-word hashes (CRC-32: fast and the same in every process) from a bounded cache that
    holds every one of these words afterwards (the new ones are hashed once each)."""
    new = set(tokens).difference(_WORD_HASHES)
    if len(_WORD_HASHES) + len(new) > _MAX_CACHED_WORDS:
        _WORD_HASHES.clear()
        new = set(tokens)
    for word in new:
        _WORD_HASHES[word] = zlib.crc32(word.encode("utf-8"))
    return _WORD_HASHES


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser: spreads every input bit over all 64 output bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def simhash(text: str) -> int:
    """64-bit simhash (Charikar) over words and word pairs, as a signed int (fits PostgreSQL bigint).
    Similar texts differ in few bits."""
    return simhash_many([text])[0]


def simhash_many(texts: list[str]) -> list[int]:
    """`simhash` of many texts with one set of array operations (what a batch uses)."""
    if not texts:
        return []
    token_lists = [words(t) or [""] for t in texts]
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    flat = list(itertools.chain.from_iterable(token_lists))
    hashes = _word_hashes(flat)
    base = np.fromiter(map(hashes.__getitem__, flat), dtype=np.uint64, count=len(flat))
    owner = np.repeat(np.arange(len(texts)), lengths)
    ends = np.cumsum(lengths) - 1  # last word of each text: no pair starts there
    starts_pair = np.ones(len(base) - 1, dtype=bool) if len(base) > 1 else np.zeros(0, dtype=bool)
    starts_pair[ends[:-1]] = False
    with np.errstate(over="ignore"):
        pairs = (base[:-1] * _PAIR + (base[1:] << np.uint64(32)) + base[1:])[starts_pair]
        features = _mix(np.concatenate([base, pairs]))
    owners = np.concatenate([owner, owner[:-1][starts_pair]])
    order = np.argsort(owners, kind="stable")
    ordered = features[order].astype("<u8")
    bits = np.unpackbits(ordered.view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")  # bit k -> col k
    first = np.searchsorted(owners[order], np.arange(len(texts)))
    ones = np.add.reduceat(bits, first, axis=0, dtype=np.int32)
    totals = 2 * lengths - 1
    chosen = (2 * ones) > totals[:, None]
    values = np.packbits(chosen, axis=1, bitorder="little").view("<u8").ravel()
    return [to_signed(int(v)) for v in values]


def to_signed(value: int) -> int:
    value &= MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & MASK64).bit_count()


BOILERPLATE_PHRASES = (
    "lorem ipsum",
    "all rights reserved",
    "click here",
    "cookie policy",
    "accept cookies",
    "subscribe to our newsletter",
    "page not found",
    "javascript is disabled",
    "enable javascript",
    "sign up for free",
    "terms of service",
)


def is_boilerplate(text: str) -> bool:
    """Low-information text: template phrases, too few distinct words, or a few words repeated."""
    lowered = text.lower()
    if any(phrase in lowered for phrase in BOILERPLATE_PHRASES):
        return True
    tokens = words(text)
    distinct = len(set(tokens))
    if distinct < 4:
        return True
    return len(tokens) >= 20 and distinct / len(tokens) < 0.3

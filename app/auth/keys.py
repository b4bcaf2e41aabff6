"""API key format, hashing and verification (pure functions, no I/O).

A key looks like `lp_<prefix>_<secret>`: the prefix (8 url-safe characters) is stored in clear to
find the row; the whole key is stored only as HMAC-SHA256 with a server-side pepper.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from app.auth.tables import SCOPES

KEY_TAG = "lp"
PREFIX_LEN = 8
SECRET_BYTES = 24


def hash_key(*, key: str, pepper: str) -> str:
    return hmac.new(pepper.encode(), key.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly minted key: `clear` is shown once, only `prefix` and `key_hash` are stored."""

    clear: str
    prefix: str
    key_hash: str


def mint_key(*, pepper: str) -> NewKey:
    prefix = secrets.token_hex(PREFIX_LEN // 2)
    clear = f"{KEY_TAG}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return NewKey(clear=clear, prefix=prefix, key_hash=hash_key(key=clear, pepper=pepper))


def parse_prefix(key: str) -> str | None:
    """The lookup prefix of a well-formed key, or None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_TAG or len(parts[1]) != PREFIX_LEN or not parts[2]:
        return None
    return parts[1]


def verify_key(*, key: str, key_hash: str, pepper: str) -> bool:
    return hmac.compare_digest(hash_key(key=key, pepper=pepper), key_hash)


MAX_MINER_ID = 64


def parse_miners(raw: str) -> list[str]:
    """Parse "m1, m2" into a sorted list of distinct miner ids (1..64 printable characters each)."""
    miners = sorted({m.strip() for m in raw.split(",") if m.strip()})
    if not miners:
        raise ValueError("at least one miner id is required")
    bad = [m for m in miners if len(m) > MAX_MINER_ID or not m.isprintable()]
    if bad:
        raise ValueError(f"invalid miner id(s): {', '.join(repr(m[:70]) for m in bad)}")
    return miners


def parse_scopes(raw: str) -> list[str]:
    """Parse "search,ingest" into a sorted, validated list of scopes."""
    scopes = sorted({s.strip() for s in raw.split(",") if s.strip()})
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not scopes:
        raise ValueError("at least one scope is required")
    return scopes

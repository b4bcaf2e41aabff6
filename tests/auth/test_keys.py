"""Pure key functions: format, hashing, scope parsing (with property tests)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.auth.keys import hash_key, mint_key, parse_prefix, parse_scopes, verify_key


def test_minted_key_round_trip() -> None:
    new = mint_key(pepper="p")
    assert parse_prefix(new.clear) == new.prefix
    assert verify_key(key=new.clear, key_hash=new.key_hash, pepper="p")
    assert not verify_key(key=new.clear, key_hash=new.key_hash, pepper="other")
    assert new.clear not in new.key_hash


def test_keys_are_unique() -> None:
    assert len({mint_key(pepper="p").clear for _ in range(200)}) == 200


@given(st.text(max_size=80))
def test_parse_prefix_never_crashes(raw: str) -> None:
    prefix = parse_prefix(raw)
    assert prefix is None or (len(prefix) == 8 and raw.startswith(f"lp_{prefix}_"))


@given(st.text(max_size=40), st.text(max_size=40))
def test_hash_is_deterministic_and_pepper_sensitive(key: str, pepper: str) -> None:
    assert hash_key(key=key, pepper=pepper) == hash_key(key=key, pepper=pepper)
    assert hash_key(key=key, pepper=pepper) != hash_key(key=key, pepper=pepper + "x")


def test_parse_scopes() -> None:
    assert parse_scopes("search, ingest,search") == ["ingest", "search"]
    with pytest.raises(ValueError, match="unknown scope"):
        parse_scopes("search,root")
    with pytest.raises(ValueError, match="at least one"):
        parse_scopes(" , ")

"""The console's CSRF tokens: bound to their nonce and to the server's pepper."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.console.session import csrf_token, csrf_valid

NONCES = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)


@given(NONCES, NONCES, st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20))
def test_a_token_validates_only_its_own_nonce_and_pepper(a: str, b: str, pepper: str, other: str) -> None:
    token = csrf_token(nonce=a, pepper=pepper)
    assert csrf_valid(nonce=a, token=token, pepper=pepper)
    assert csrf_valid(nonce=b, token=token, pepper=pepper) == (a == b)
    assert csrf_valid(nonce=a, token=token, pepper=other) == (pepper == other)


def test_missing_parts_are_invalid() -> None:
    token = csrf_token(nonce="a" * 32, pepper="p")
    assert not csrf_valid(nonce=None, token=token, pepper="p")
    assert not csrf_valid(nonce="a" * 32, token=None, pepper="p")
    assert not csrf_valid(nonce="", token="", pepper="p")

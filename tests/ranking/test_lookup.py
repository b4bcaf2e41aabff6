"""Binary-search membership against numpy's own set test."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from app.ranking.lookup import sorted_positions

INTS = st.lists(st.integers(min_value=-50, max_value=50), max_size=40)


@given(INTS, INTS)
def test_membership_and_positions_match_isin(keys: list[int], values: list[int]) -> None:
    sorted_keys = np.unique(np.array(keys, dtype=np.int64))
    wanted = np.array(values, dtype=np.int64)
    at, found = sorted_positions(sorted_keys, wanted)
    np.testing.assert_array_equal(found, np.isin(wanted, sorted_keys))
    assert at.shape == wanted.shape
    np.testing.assert_array_equal(sorted_keys[at[found]], wanted[found])

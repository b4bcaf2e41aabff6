"""Membership and positions in a sorted array by binary search (numpy), for the search's hot paths:
one `searchsorted` instead of `np.isin` (which sorts both sides) or a dict per row."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


def sorted_positions(
    keys: npt.NDArray[Any], values: npt.NDArray[Any]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """For each of `values`: a position in `keys` (sorted ascending) and whether `keys` holds the
    value there. Positions of absent values are valid indices of `keys` but meaningless."""
    if len(keys) == 0:
        return np.zeros(len(values), dtype=np.intp), np.zeros(len(values), dtype=np.bool_)
    at = np.minimum(np.searchsorted(keys, values), len(keys) - 1)
    return at, keys[at] == values

"""Turning raw ranker scores into purchase probabilities, and measuring how well that worked (pure)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Platt:
    """p = sigmoid(a * raw + b), fitted by maximum likelihood."""

    a: float
    b: float

    def __call__(self, raw: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float64]:
        z = np.clip(self.a * np.asarray(raw, dtype=np.float64) + self.b, -40, 40)
        return 1.0 / (1.0 + np.exp(-z))

    def to_json(self) -> dict[str, Any]:
        return {"kind": "platt", "a": self.a, "b": self.b}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Platt:
        if data.get("kind") != "platt":
            raise ValueError(f"unknown calibration kind {data.get('kind')!r}")
        a, b = float(data["a"]), float(data["b"])
        if not (math.isfinite(a) and math.isfinite(b)):
            raise ValueError("calibration parameters are not finite")
        return cls(a=a, b=b)


def fit_platt(raw: npt.NDArray[np.floating[Any]], labels: npt.NDArray[np.floating[Any]]) -> Platt:
    """Logistic fit of labels (0/1) on raw scores with a weak prior (Platt's smoothed targets)."""
    from scipy.optimize import minimize  # noqa: PLC0415

    x = np.asarray(raw, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    pos, neg = float(y.sum()), float(len(y) - y.sum())
    target = np.where(y > 0.5, (pos + 1) / (pos + 2), 1 / (neg + 2))

    def loss(params: npt.NDArray[np.float64]) -> float:
        z = params[0] * x + params[1]
        return float(np.sum(np.logaddexp(0, z) - target * z))

    base = math.log((pos + 1) / (neg + 1))
    result = minimize(loss, np.array([1.0, base]), method="L-BFGS-B")
    return Platt(a=float(result.x[0]), b=float(result.x[1]))


def expected_calibration_error(
    probabilities: npt.NDArray[np.floating[Any]], labels: npt.NDArray[np.floating[Any]], *, bins: int = 10
) -> float:
    """ECE with equal-mass bins: sum over bins of |mean p - observed rate| x bin share."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if len(p) == 0:
        return 0.0
    order = np.argsort(p)
    total = 0.0
    for chunk in np.array_split(order, bins):
        if len(chunk):
            total += abs(float(p[chunk].mean()) - float(y[chunk].mean())) * len(chunk) / len(p)
    return total

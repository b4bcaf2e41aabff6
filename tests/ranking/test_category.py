"""Cold-start category inference from a company's own text."""

from __future__ import annotations

import pytest

from app.ranking.category import infer_sector


@pytest.mark.parametrize(
    ("text", "sector"),
    [
        ("Fraud detection for online lenders and banks", "52"),
        ("A telehealth clinic for mental health; our doctors see patients online", "62"),
        ("Payroll for restaurants and hotels", "72"),
        ("Freight matching for trucking companies", "48"),
        ("We build developer tools for software teams", ""),
        ("Plant-based meat, powered by AI", ""),
        ("", ""),
    ],
)
def test_the_most_mentioned_sector_wins(text: str, sector: str) -> None:
    assert infer_sector(text) == sector

"""Every ranker feature has plain words for the explanation (the console's one-line reason)."""

from __future__ import annotations

from app.ranking.explain import PHRASES, model_reasons
from app.ranking.features import FEATURE_NAMES


def test_every_feature_has_a_phrase() -> None:
    assert set(FEATURE_NAMES) <= set(PHRASES)


def test_model_reasons_use_the_phrases_not_the_feature_names() -> None:
    text = model_reasons([("snippet_match_fit", 1.0, 0.9), ("fit_product", 0.4, -0.2)])
    assert text == ("its signals show the need and it fits the target, although it fits the target less well")
    assert all(name not in text for name in FEATURE_NAMES)

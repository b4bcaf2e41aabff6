"""Feature helpers that need no store: the teacher-shaped fit products and the vendor rule's reach."""

from __future__ import annotations

import numpy as np

from app.ranking.calibration import Platt
from app.ranking.features import COLUMN, FEATURE_NAMES, fit_products, request_features, size_fit
from app.ranking.reranker import VENDOR_PENALTY, Reranker, vendor_flags


def _row(**values: float) -> np.ndarray:
    row = np.zeros(len(FEATURE_NAMES), dtype=np.float32)
    for name, value in values.items():
        row[COLUMN[name]] = value
    return row


def test_fit_products_follow_the_teacher_shape() -> None:
    out = np.vstack(
        [
            _row(
                size_fit=1.0, industry_match=1, country_match=1, snippet_match_sum=2.0, snippet_match_max=0.5
            ),
            _row(size_fit=0.5, industry_match=0, country_match=0.5, snippet_match_sum=2.0),
            _row(size_fit=1.0, industry_match=1, country_match=0, snippet_match_sum=2.0),
            _row(
                size_fit=1.0,
                industry_match=1,
                country_match=1,
                snippet_match_sum=2.0,
                snippet_match_seller_share=1.0,
            ),
        ]
    )
    fit_products(out)
    np.testing.assert_allclose(out[:, COLUMN["fit_product"]], [2.0, 0.4, 0.6, 2.0], rtol=1e-6)
    np.testing.assert_allclose(out[:, COLUMN["snippet_match_fit"]], [4.0, 0.8, 1.2, 0.8], rtol=1e-6)
    np.testing.assert_allclose(out[:, COLUMN["snippet_match_max_fit"]], [1.0, 0.0, 0.0, 0.0], rtol=1e-6)


def test_size_fit_is_one_inside_the_range_and_decays_outside() -> None:
    employees = np.array([-1, 50, 100, 1000, 10_000], dtype=np.int64)
    fit = size_fit(employees, 100, 1000)
    assert fit[0] == 0.5  # unknown size
    assert fit[2] == fit[3] == 1.0
    assert 0 < fit[4] < fit[1] < 1.0


class _Booster:
    """Scores in a lambdarank-like range (well outside [0, 1])."""

    def predict(self, features: np.ndarray, num_threads: int = 1) -> np.ndarray:
        return np.linspace(8.0, -8.0, len(features))


def test_the_vendor_rule_puts_vendors_below_every_buyer_at_any_score_scale() -> None:
    vendor = _row(vendor_language=0.5, snippet_match_seller_share=0.6, cos_intent=0.2)
    buyer = _row(vendor_language=0.0, snippet_match_sum=1.0, cos_intent=0.3)
    features = np.vstack([vendor, buyer, buyer])
    assert vendor_flags(features).tolist() == [1.0, 0.0, 0.0]
    # known only by its own description (no signal evidence): never a vendor by its language
    described = _row(vendor_language=0.5, cos_self=0.6)
    assert vendor_flags(described[None, :]).tolist() == [0.0]
    assert vendor_flags(_row(vendor_language=0.5, cos_self=0.6, cos_intent=0.1)[None, :]).tolist() == [1.0]
    reranker = Reranker(
        version="t", feature_names=FEATURE_NAMES, calibration=Platt(a=1.0, b=0.0), booster=_Booster()
    )
    raw = reranker.raw_scores(features)
    assert raw[0] < raw[1:].min()  # the vendor scored 8.0 by the model, the buyers 0.0 and -8.0
    assert raw[0] <= 8.0 - VENDOR_PENALTY
    assert reranker.probabilities(raw)[0] < 1e-6


def test_request_features_are_z_scores_within_the_candidates() -> None:
    rng = np.random.default_rng(3)
    out = rng.normal(size=(50, len(FEATURE_NAMES))).astype(np.float32)
    request_features(out)
    for name, source in (("z_cos_doc", "cos_doc"), ("z_sentence_max", "sentence_max"), ("z_bm25", "bm25")):
        x = out[:, COLUMN[source]].astype(np.float64)
        assert np.allclose(out[:, COLUMN[name]], (x - x.mean()) / x.std(), atol=1e-4)
    expected = out[:, COLUMN["z_cos_doc"]] + out[:, COLUMN["z_sentence_max"]] + 0.5 * out[:, COLUMN["z_bm25"]]
    assert np.allclose(out[:, COLUMN["self_match"]], expected, atol=1e-5)
    tied = np.zeros((3, len(FEATURE_NAMES)), dtype=np.float32)
    request_features(tied)  # one value for all: zeros, never a division by zero
    assert not tied.any()

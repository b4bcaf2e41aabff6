"""The reranker artifact: a LightGBM model (lambdarank), its feature names, calibration and model card.

One JSON file (`models/ranker/<version>.json`):
    {"format": "leadpoet-ranker/1", "version", "feature_names", "booster" (LightGBM text model),
     "calibration" {"kind": "platt", "a", "b"}, "card" {...}}
`load_artifact` refuses a file whose sha256 differs from the registry's, whose feature names differ
from the code's, or whose booster does not load or predict; the caller keeps the previous model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from app.ranking.calibration import Platt
from app.ranking.compiled import CompiledForest, ContributionTable, build_contribution_table, compile_forest
from app.ranking.features import COLUMN, FEATURE_NAMES, heuristic_scores

FORMAT = "leadpoet-ranker/1"
HEURISTIC_VERSION = "heuristic-v0"


# A company that talks like a seller of what the prompt describes is a competitor, not a lead: below
# every buyer, whatever the model says (lambdarank and regression scores stay far inside +-100), and
# its calibrated probability is ~0.
VENDOR_LANGUAGE_MIN = 0.05
VENDOR_PENALTY = 100.0
VENDOR_SELF_MATCH = 0.3


def vendor_flags(features: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """1.0 for candidates whose evidence reads like a vendor's and whose match comes from that language.

    Only companies with signal evidence (news, job posts, ...: a non-zero intent vector, so a
    non-zero `cos_intent`) can be flagged: a company known only by its own description always
    talks like a seller of what it does, and for the buyers a seller describes, what it does is
    what the prompt names."""
    language = features[:, COLUMN["vendor_language"]]
    share = features[:, COLUMN["snippet_match_seller_share"]]
    describes = features[:, COLUMN["cos_self"]] >= VENDOR_SELF_MATCH
    signals = features[:, COLUMN["cos_intent"]] != 0
    flagged: npt.NDArray[np.bool_] = signals & (language >= VENDOR_LANGUAGE_MIN) & ((share > 0) | describes)
    return flagged.astype(np.float64)


class ArtifactError(ValueError):
    """The artifact is corrupt, tampered with or does not match this code."""


@dataclass(frozen=True)
class Reranker:
    version: str
    feature_names: tuple[str, ...]
    calibration: Platt
    booster: Any = None  # lightgbm.Booster, None for the heuristic fallback
    card: dict[str, Any] = field(default_factory=dict)
    forest: CompiledForest | None = None  # the booster compiled to native code, when it compiled
    shap: ContributionTable | None = None  # the booster's contributions by table look-up, when built

    @property
    def predictor(self) -> str:
        """What computes the raw scores: "compiled", "lightgbm" or "heuristic"."""
        if self.booster is None:
            return "heuristic"
        return "compiled" if self.forest is not None else "lightgbm"

    def raw_scores(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        if len(features) == 0:
            return np.zeros(0, dtype=np.float64)
        if self.booster is None:
            return heuristic_scores(features).astype(np.float64) - VENDOR_PENALTY * 4 * vendor_flags(features)
        if self.forest is not None:
            raw = self.forest.predict(features)
        else:
            raw = np.asarray(self.booster.predict(features, num_threads=1), dtype=np.float64)
        return raw - VENDOR_PENALTY * vendor_flags(features)

    def contributions(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """Per-feature contributions to the raw score (SHAP for LightGBM; weight x value otherwise)."""
        if len(features) == 0:
            return np.zeros((0, len(self.feature_names)), dtype=np.float64)
        if self.booster is None:
            from app.ranking.features import HEURISTIC_WEIGHTS  # noqa: PLC0415

            w = np.array([HEURISTIC_WEIGHTS.get(n, 0.0) for n in self.feature_names])
            weighted: npt.NDArray[np.float64] = features.astype(np.float64) * w
            return weighted
        if self.shap is not None:
            return self.shap.contributions(features)[:, : len(self.feature_names)]
        contrib = self.booster.predict(features, pred_contrib=True, num_threads=1)
        return np.asarray(contrib, dtype=np.float64)[:, : len(self.feature_names)]

    def probabilities(self, raw: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return self.calibration(raw)


def heuristic_reranker() -> Reranker:
    return Reranker(
        version=HEURISTIC_VERSION,
        feature_names=FEATURE_NAMES,
        calibration=Platt(a=1.5, b=-4.0),
        card={"description": "hand-set weights used until a trained model is registered"},
    )


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_artifact(
    path: Path,
    *,
    version: str,
    booster: Any,
    calibration: Platt,
    card: dict[str, Any],
    feature_names: Sequence[str] = FEATURE_NAMES,
) -> str:
    """Write the artifact file; returns its sha256."""
    payload = {
        "format": FORMAT,
        "version": version,
        "feature_names": list(feature_names),
        "booster": booster.model_to_string(),
        "calibration": calibration.to_json(),
        "card": card,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, sort_keys=True))
    return sha256_of(path)


def load_artifact(
    path: Path,
    *,
    expected_sha256: str | None,
    expected_version: str | None = None,
    compile_trees: bool = True,
) -> Reranker:
    """The artifact's reranker; `compile_trees`: also compile its trees to native code and tabulate
    their contributions (app/ranking/compiled.py: both checked against LightGBM, which computes
    what they cannot)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"cannot read {path}: {exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if expected_sha256 is not None and digest != expected_sha256:
        raise ArtifactError(f"sha256 mismatch for {path}: {digest} != {expected_sha256}")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ArtifactError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArtifactError(f"{path} is not a {FORMAT} artifact")
    names = tuple(data.get("feature_names") or ())
    if names != FEATURE_NAMES:
        raise ArtifactError(f"{path} was trained on other features than this code computes")
    version = str(data.get("version", ""))
    if expected_version is not None and version != expected_version:
        raise ArtifactError(f"{path} holds version {version!r}, registry says {expected_version!r}")
    try:
        import lightgbm  # noqa: PLC0415

        booster = lightgbm.Booster(model_str=data["booster"])
        calibration = Platt.from_json(data["calibration"])
        probe = booster.predict(np.zeros((2, len(names)), dtype=np.float32), num_threads=1)
    except Exception as exc:
        raise ArtifactError(f"{path}: the model does not load: {exc}") from exc
    if booster.num_feature() != len(names) or not np.all(np.isfinite(probe)):
        raise ArtifactError(f"{path}: the model does not match its feature list")
    return Reranker(
        version=version,
        feature_names=names,
        calibration=calibration,
        booster=booster,
        card=data.get("card", {}),
        forest=compile_forest(booster) if compile_trees else None,
        shap=build_contribution_table(booster) if compile_trees else None,
    )

"""scripts/evaluate_real_offline over the real-data test fixture (36 companies) with the bundled model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import evaluate_real_offline

FIXTURE = Path(__file__).parents[1] / "tools" / "real_eval" / "companies.csv"
MODELS = Path(__file__).parents[2] / "models" / "ranker"


def test_prints_one_row_per_model_for_the_splits_asked(capsys: pytest.CaptureFixture[str]) -> None:
    default = MODELS / json.loads((MODELS / "DEFAULT.json").read_text())["file"]
    code = evaluate_real_offline.main(
        ["--data", str(FIXTURE), "--split", "train", "--split", "validation", "--model", str(default)]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "| model | train NDCG@10 | P@10 | validation NDCG@10 | P@10 |" in out
    assert "test NDCG@10" not in out
    [row] = [line for line in out.splitlines() if line.startswith("| lgbm-")]
    assert len(row.split("|")) == 2 + 1 + 4


def test_a_missing_company_file_is_reported(tmp_path: Path) -> None:
    assert evaluate_real_offline.main(["--data", str(tmp_path / "none.csv")]) == 2

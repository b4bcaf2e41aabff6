"""scripts/evaluate_real_offline over the real-data test fixture (36 companies) with the bundled model,
run as a user runs it (tests do not import scripts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "tools" / "real_eval" / "companies.csv"
MODELS = ROOT / "models" / "ranker"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.evaluate_real_offline", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_prints_one_row_per_model_for_the_splits_asked() -> None:
    default = MODELS / json.loads((MODELS / "DEFAULT.json").read_text())["file"]
    done = run("--data", str(FIXTURE), "--split", "train", "--split", "validation", "--model", str(default))
    assert done.returncode == 0, done.stderr
    assert "| model | train NDCG@10 | P@10 | validation NDCG@10 | P@10 |" in done.stdout
    assert "test NDCG@10" not in done.stdout
    [row] = [line for line in done.stdout.splitlines() if line.startswith("| lgbm-")]
    assert len(row.split("|")) == 2 + 1 + 4


def test_a_missing_company_file_is_reported(tmp_path: Path) -> None:
    done = run("--data", str(tmp_path / "none.csv"))
    assert done.returncode == 2
    assert "no company file" in done.stderr

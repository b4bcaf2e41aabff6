"""Untagged seller prompts (tools/real_eval/untagged.py) and the teacher's cached prompt vectors."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tools import ranker_teacher
from tools.real_eval.data import load_companies
from tools.real_eval.prompts import SellerPrompt, load_prompts
from tools.real_eval.teacher import RealTeacher
from tools.real_eval.untagged import MAX_OVERLAP, load_untagged, overlap, parse_untagged

FIXTURE = Path(__file__).with_name("companies.csv")
HELD_OUT = [
    SellerPrompt(
        id="s01", split="test", prompt="Warehouse robots for online order fulfillment", core=frozenset()
    )
]


def test_the_shipped_file_loads_and_stays_away_from_the_held_out_prompts() -> None:
    prompts = load_untagged()
    assert len(prompts) >= 150
    assert len({p["prompt_id"] for p in prompts}) == len(prompts)
    held_out = [p for p in load_prompts() if p.split in ("validation", "test")]
    assert max(overlap(u["text"], h.prompt) for u in prompts for h in held_out) < MAX_OVERLAP
    assert any(p["filters"] for p in prompts)
    assert any(" not " in p["text"] for p in prompts)


def test_prompts_come_out_as_the_candidate_code_reads_them() -> None:
    raw = {
        "prompts": [
            {
                "id": "a",
                "prompt": "Payroll for dental clinics",
                "filters": {"countries": ["us"], "employees_max": 20},
            },
            {"id": "b", "prompt": "Crash reporting for mobile app makers"},
        ]
    }
    assert parse_untagged(raw, HELD_OUT) == [
        {
            "prompt_id": "a",
            "text": "Payroll for dental clinics",
            "filters": {"countries": ["US"], "employees_max": 20},
        },
        {"prompt_id": "b", "text": "Crash reporting for mobile app makers", "filters": {}},
    ]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {"id": "a", "prompt": "Robots and inventory software for online order fulfilment warehouses"},
            "too close",
        ),
        ({"id": "a", "prompt": "Payroll for clinics", "core": ["Payroll"]}, "unexpected keys"),
        ({"id": "a", "prompt": "Payroll for clinics", "split": "train"}, "unexpected keys"),
        ({"id": "a", "prompt": "the and of"}, "no keyword"),
        ({"id": "a", "prompt": "Payroll", "filters": {"industry": "x"}}, "filters"),
        (
            {"id": "a", "prompt": "Payroll", "filters": {"employees_min": 50, "employees_max": 10}},
            "employees_min",
        ),
        ({"prompt": "Payroll"}, "id"),
    ],
)
def test_invalid_prompts_are_refused(item: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_untagged({"prompts": [item]}, HELD_OUT)


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        parse_untagged(
            {"prompts": [{"id": "a", "prompt": "Payroll"}, {"id": "a", "prompt": "Tax"}]}, HELD_OUT
        )


class HashEmbed:
    """A deterministic 8-d text embedding that counts the texts it was asked for."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.texts.extend(texts)
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], dtype=np.uint8) for t in texts]
        return np.array(rows, dtype=np.float32).reshape(len(texts), 8) - 128.0


def test_primed_prompts_score_the_same_without_embedding_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranker_teacher, "CACHE", tmp_path)
    embed = HashEmbed()
    teacher = RealTeacher.of(load_companies(FIXTURE), embed, model_name="hash", dim=8)
    prompts = ["Payroll for dental clinics", "Crash reporting for mobile app makers"]
    before = [teacher.scores(p) for p in prompts]
    teacher.prime(prompts, "prompts")
    assert list(tmp_path.glob("teacher-hash-prompts-*.npy"))
    embed.texts.clear()
    after = [teacher.scores(p) for p in prompts]
    assert embed.texts == []
    for b, a in zip(before, after, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)

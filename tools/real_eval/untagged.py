"""Untagged seller prompts over the real pool: more cold-start queries for the student, labelled by
the real-data teacher alone (tools/real_eval/offline.teacher_query_sets), never by a tag.

File (YAML, e.g. tools/real_eval/untagged.yaml):

    prompts:
      - id: u001
        prompt: Payroll software for restaurants with hourly staff
        filters: {countries: [US], employees_min: 10}   # optional, as in prompts.yaml

A prompt carries no buyer definition (no `core`, `related`, `excluded` tags, no split) and must not
be a near copy of a validation or test prompt of prompts.yaml: `load_untagged` refuses one whose
keywords overlap a held-out prompt's by MAX_OVERLAP or more (Jaccard of the prompt parser's stemmed
keywords), so what the student learns from them cannot be the held-out prompts themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from app.ranking.text import query_tokens
from tools.real_eval.prompts import Filters, SellerPrompt, load_prompts

UNTAGGED_FILE = Path(__file__).with_name("untagged.yaml")
MAX_OVERLAP = 0.4
KEYS = frozenset({"id", "prompt", "filters"})
FILTER_KEYS = frozenset({"countries", "employees_min", "employees_max"})


def overlap(a: str, b: str) -> float:
    """Jaccard overlap of two prompts' stemmed keywords (0 when either has none)."""
    x, y = set(query_tokens(a)), set(query_tokens(b))
    return len(x & y) / len(x | y) if x and y else 0.0


def _filters(item_id: str, raw: Any) -> Filters:
    if raw is None:
        return Filters()
    if not isinstance(raw, Mapping) or not set(raw) <= FILTER_KEYS:
        raise ValueError(f"untagged prompt {item_id}: filters must be a mapping of {sorted(FILTER_KEYS)}")
    low, high = raw.get("employees_min"), raw.get("employees_max")
    if low is not None and high is not None and low > high:
        raise ValueError(f"untagged prompt {item_id}: employees_min above employees_max")
    return Filters(
        countries=tuple(sorted(str(c).upper() for c in raw.get("countries") or [])),
        employees_min=None if low is None else int(low),
        employees_max=None if high is None else int(high),
    )


def parse_untagged(raw: Mapping[str, Any], held_out: Sequence[SellerPrompt]) -> list[dict[str, Any]]:
    """The prompts as the offline candidate code reads them (`prompt_id`, `text`, `filters`),
    checked against `held_out` (the validation and test prompts)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in raw["prompts"]:
        item_id = str(item.get("id", ""))
        if not item_id or item_id in seen:
            raise ValueError(f"untagged prompt {item_id!r}: missing or duplicate id")
        seen.add(item_id)
        if not set(item) <= KEYS:
            raise ValueError(f"untagged prompt {item_id}: unexpected keys {sorted(set(item) - KEYS)}")
        text = str(item.get("prompt") or "").strip()
        if not query_tokens(text):
            raise ValueError(f"untagged prompt {item_id}: no keyword in {text!r}")
        for p in held_out:
            if overlap(text, p.prompt) >= MAX_OVERLAP:
                raise ValueError(f"untagged prompt {item_id} is too close to held-out prompt {p.id}")
        out.append(
            {"prompt_id": item_id, "text": text, "filters": _filters(item_id, item.get("filters")).api()}
        )
    return out


def load_untagged(path: Path = UNTAGGED_FILE) -> list[dict[str, Any]]:
    held_out = [p for p in load_prompts() if p.split in ("validation", "test")]
    with path.open(encoding="utf-8") as fh:
        return parse_untagged(yaml.safe_load(fh), held_out)

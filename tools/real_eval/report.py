"""The evaluation's table: one row per system and split (mean over that split's prompts)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tools.real_eval.metrics import Scores, mean_scores
from tools.real_eval.prompts import SPLITS, SellerPrompt


def table(results: Mapping[str, Mapping[str, Scores]], prompts: Sequence[SellerPrompt]) -> str:
    """`results`: system -> prompt id -> scores. Markdown, splits as column groups."""
    counts = {s: sum(1 for p in prompts if p.split == s) for s in SPLITS}
    head = "| system | " + " | ".join(
        f"{s} ({counts[s]}) NDCG@10 | P@10 | R@100 | viol." for s in SPLITS if counts[s]
    )
    lines = [head + " |", "|" + "---|" * (1 + 4 * sum(1 for s in SPLITS if counts[s]))]
    for system, per_prompt in results.items():
        cells = [system]
        for split in SPLITS:
            if not counts[split]:
                continue
            m = mean_scores([per_prompt[p.id] for p in prompts if p.split == split and p.id in per_prompt])
            cells += [f"{m.ndcg10:.3f}", f"{m.p10:.3f}", f"{m.recall100:.3f}", str(m.violations)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)

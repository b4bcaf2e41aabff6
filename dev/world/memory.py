"""A fully materialised world in memory (for tests and notebooks; use the writer for big sizes)."""

from __future__ import annotations

from dataclasses import dataclass

from dev.world.config import WorldConfig
from dev.world.generate import CompanyBundle, WorldGenerator
from dev.world.model import OutcomeRecord, PromptRecord, QrelRecord, SnippetRecord
from dev.world.outcomes import LoggedRequest


@dataclass(frozen=True)
class World:
    config: WorldConfig
    categories: list[dict[str, object]]
    miners: list[dict[str, object]]
    prompts: list[PromptRecord]
    companies: list[CompanyBundle]
    requests: list[LoggedRequest]
    outcomes: list[OutcomeRecord]

    @property
    def snippets(self) -> list[SnippetRecord]:
        return [s for c in self.companies for s in c.snippets]

    @property
    def qrel_records(self) -> list[QrelRecord]:
        return [q for c in self.companies for q in c.qrels]

    def qrels(self, split: str | None = None) -> dict[str, dict[str, int]]:
        keep = {p["prompt_id"] for p in self.prompts if split is None or p["split"] == split}
        out: dict[str, dict[str, int]] = {}
        for q in self.qrel_records:
            if q["prompt_id"] in keep:
                out.setdefault(q["prompt_id"], {})[q["domain"]] = q["grade"]
        return out


def build_world(config: WorldConfig) -> World:
    """Generate everything in memory. The tiny world takes about two seconds."""
    gen = WorldGenerator(config)
    companies = list(gen.companies())
    requests: list[LoggedRequest] = []
    outcomes: list[OutcomeRecord] = []
    for request, events in gen.traffic():
        requests.append(request)
        outcomes.extend(events)
    return World(
        config, gen.categories_json(), gen.miners_json(), list(gen.prompts), companies, requests, outcomes
    )

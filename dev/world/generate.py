"""The world generator: one pass over companies (truth, snippets, qrels), then simulated traffic."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from dev.world.catalog import Catalog, build_catalog
from dev.world.companies import CompanyFactory
from dev.world.config import WorldConfig
from dev.world.evidence import EvidenceWriter
from dev.world.miners import Miner, MinerPool, build_miners
from dev.world.model import CompanyTruth, OutcomeRecord, PromptRecord, QrelRecord, SnippetRecord
from dev.world.names import NAME_SPACE
from dev.world.outcomes import LoggedRequest, Reservoir, simulate
from dev.world.prompts import PromptBuilder
from dev.world.relevance import PromptSpec, grade_of, judge, propensity


@dataclass
class CompanyBundle:
    """Everything the world holds about one company."""

    truth: CompanyTruth
    snippets: list[SnippetRecord]
    qrels: list[QrelRecord]

    def truth_json(self) -> dict[str, object]:
        data = dataclasses.asdict(self.truth)
        data["current_techs"] = self.truth.current_techs()
        return data


class WorldGenerator:
    """Builds a world lazily. ``companies()`` streams; ``traffic()`` needs a finished company pass."""

    def __init__(self, config: WorldConfig) -> None:
        if config.companies > NAME_SPACE:
            raise ValueError(f"at most {NAME_SPACE} companies are supported")
        self.config = config
        self.catalog: Catalog = build_catalog(config.seed)
        self.factory = CompanyFactory(config.seed, self.catalog)
        self.miners: tuple[Miner, ...] = build_miners(config.seed, config.miner_count)
        self.evidence = EvidenceWriter(config.seed, self.catalog, MinerPool(self.miners))
        prompt_set = PromptBuilder(config.seed, self.catalog, self.factory, config.companies).build()
        self.prompts: tuple[PromptRecord, ...] = prompt_set.records
        self.specs: tuple[PromptSpec, ...] = prompt_set.specs
        self.split_of = {p["prompt_id"]: p["split"] for p in self.prompts}
        self._specs_by_category: dict[str, list[PromptSpec]] = {}
        for spec in self.specs:
            self._specs_by_category.setdefault(spec.category, []).append(spec)
        self.reservoir = Reservoir(config.seed)
        self._consumed = 0

    # -- small tables ----------------------------------------------------------------------------
    def categories_json(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for c in self.catalog.categories:
            needs = [self.catalog.needs[n] for n in c.needs]
            out.append(
                {
                    "category": c.id,
                    "name": c.name,
                    "split": self.catalog.split[c.id],
                    "needs": [{"id": n.id, "label": n.label, "sectors": list(n.sectors)} for n in needs],
                    "employees_min": c.min_employees,
                    "employees_max": c.max_employees,
                    "min_budget_usd": c.min_budget,
                    "incumbents": list(c.incumbents),
                    "vendor_naics": c.vendor_naics,
                }
            )
        return out

    def miners_json(self) -> list[dict[str, object]]:
        return [m.to_json() for m in self.miners]

    # -- the company pass --------------------------------------------------------------------------
    def bundle(self, index: int) -> CompanyBundle:
        truth = self.factory.truth(index)
        return CompanyBundle(truth, self.evidence.write(truth), self._qrels(truth))

    def companies(self) -> Iterator[CompanyBundle]:
        self.reservoir = Reservoir(self.config.seed)
        for index in range(self.config.companies):
            self._consumed = index
            yield self.bundle(index)
        self._consumed = self.config.companies

    def _qrels(self, truth: CompanyTruth) -> list[QrelRecord]:
        categories = {cid for s in truth.active_needs() for cid in self.catalog.serving[s.need]}
        if truth.vendor_of:
            categories.add(truth.vendor_of)
            self.reservoir.add_vendor(truth.vendor_of, truth.index, truth.domain)
        out: list[QrelRecord] = []
        for cid in sorted(categories):
            base = grade_of(propensity(truth, self.catalog.category_by_id[cid], self.catalog))
            for spec in self._specs_by_category.get(cid, []):
                grade, score = judge(truth, spec, self.catalog)
                if grade > 0 or base > 0 or truth.vendor_of == cid:
                    out.append({"prompt_id": spec.prompt_id, "domain": truth.domain, "grade": grade})
                if grade > 0 and self.split_of[spec.prompt_id] != "test":
                    self.reservoir.add_relevant(spec.prompt_id, truth.index, score, grade, truth.domain)
        return out

    # -- traffic -------------------------------------------------------------------------------------
    def traffic(self) -> Iterator[tuple[LoggedRequest, list[OutcomeRecord]]]:
        if self._consumed < self.config.companies:  # finish the pass (qrels and reservoir only)
            self.reservoir = Reservoir(self.config.seed)
            for index in range(self.config.companies):
                self._qrels(self.factory.truth(index))
            self._consumed = self.config.companies
        specs = [s for s in self.specs if self.split_of[s.prompt_id] != "test"]
        yield from simulate(
            seed=self.config.seed,
            catalog=self.catalog,
            factory=self.factory,
            specs=specs,
            reservoir=self.reservoir,
            companies=self.config.companies,
            requests=self.config.request_count,
            shown_per_request=self.config.shown_per_request,
        )

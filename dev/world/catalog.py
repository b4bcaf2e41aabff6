"""The product catalogue with derived indexes and the train / validation / test split by category."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from dev.world.content import CATEGORIES, NEEDS
from dev.world.industries import matches_prefix
from dev.world.model import Category, Need
from dev.world.rng import rng_for

#: Categories per split; test categories are never seen in training.
SPLIT_SIZES = {"test": 10, "validation": 7}


@dataclass(frozen=True)
class Catalog:
    needs: dict[str, Need]
    categories: tuple[Category, ...]
    category_by_id: dict[str, Category]
    serving: dict[str, tuple[str, ...]]  # need id -> category ids that serve it
    split: dict[str, str]  # category id -> train | validation | test

    def need_list(self) -> tuple[Need, ...]:
        return tuple(self.needs.values())

    def categories_in(self, split: str) -> list[Category]:
        return [c for c in self.categories if self.split[c.id] == split]

    @functools.cached_property
    def incumbent_of(self) -> dict[str, tuple[str, ...]]:
        """Technology name -> category ids it is a solution for."""
        out: dict[str, list[str]] = {}
        for c in self.categories:
            for tech in c.incumbents:
                out.setdefault(tech, []).append(c.id)
        return {k: tuple(v) for k, v in out.items()}


def build_catalog(seed: int) -> Catalog:
    needs = {n.id: n for n in NEEDS}
    serving: dict[str, list[str]] = {}
    for c in CATEGORIES:
        for nid in c.needs:
            serving.setdefault(nid, []).append(c.id)
    order = [c.id for c in CATEGORIES]
    rng_for(seed, "split").shuffle(order)
    n_test, n_val = SPLIT_SIZES["test"], SPLIT_SIZES["validation"]
    split = dict.fromkeys(order[:n_test], "test")
    split.update(dict.fromkeys(order[n_test : n_test + n_val], "validation"))
    split.update(dict.fromkeys(order[n_test + n_val :], "train"))
    return Catalog(
        needs=needs,
        categories=CATEGORIES,
        category_by_id={c.id: c for c in CATEGORIES},
        serving={k: tuple(v) for k, v in serving.items()},
        split=split,
    )


@functools.cache
def eligible_needs(code: str, employees_band: int) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Needs a company of this NAICS code and size band may have, with cumulative sampling weights.

    Needs outside their sectors or size range keep a small weight: real companies are messy.
    """
    lower = (1, 10, 50, 200, 1_000, 5_000, 50_000)[employees_band]
    ids: list[str] = []
    cumulative: list[float] = []
    total = 0.0
    for need in NEEDS:
        weight = need.weight
        if not matches_prefix(code, need.sectors):
            weight *= 0.03
        if not need.min_employees <= lower <= need.max_employees:
            weight *= 0.15
        total += weight
        ids.append(need.id)
        cumulative.append(total)
    return tuple(ids), tuple(cumulative)


def size_band(employees: int) -> int:
    for band, upper in enumerate((10, 50, 200, 1_000, 5_000, 50_000)):
        if employees < upper:
            return band
    return 6

"""Simulated seller traffic: logged requests (who was shown, in which order) and outcome events drawn
from the hidden purchase propensity, with position bias and noise. Only train and validation prompts
are used, so outcome history never leaks test-split relevance."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from dev.world.catalog import Catalog
from dev.world.companies import CompanyFactory
from dev.world.model import OutcomeRecord
from dev.world.relevance import PromptSpec, judge
from dev.world.rng import rng_for, stable_id, stable_uuid, timestamp

T = TypeVar("T")
RELEVANT_CAPACITY = 400
VENDOR_CAPACITY = 60


@dataclass
class Reservoir:
    """Bounded uniform samples of relevant companies per prompt and vendors per category."""

    seed: int
    relevant: dict[str, list[tuple[int, float, int, str]]] = field(default_factory=dict)
    vendors: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    _seen: dict[str, int] = field(default_factory=dict)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = rng_for(self.seed, "reservoir")

    def _offer(self, key: str, bucket: list[T], item: T, capacity: int) -> None:
        seen = self._seen.get(key, 0) + 1
        self._seen[key] = seen
        if len(bucket) < capacity:
            bucket.append(item)
        else:
            slot = self._rng.randrange(seen)
            if slot < capacity:
                bucket[slot] = item

    def add_relevant(self, prompt_id: str, index: int, score: float, grade: int, domain: str) -> None:
        bucket = self.relevant.setdefault(prompt_id, [])
        self._offer("r:" + prompt_id, bucket, (index, score, grade, domain), RELEVANT_CAPACITY)

    def add_vendor(self, category: str, index: int, domain: str) -> None:
        bucket = self.vendors.setdefault(category, [])
        self._offer("v:" + category, bucket, (index, domain), VENDOR_CAPACITY)


@dataclass(frozen=True)
class LoggedRequest:
    request_id: str
    prompt_id: str
    occurred_at: str
    shown: list[str]

    def to_json(self) -> dict[str, object]:
        return {
            "request_id": self.request_id,
            "prompt_id": self.prompt_id,
            "occurred_at": self.occurred_at,
            "shown": self.shown,
        }


def simulate(
    *,
    seed: int,
    catalog: Catalog,
    factory: CompanyFactory,
    specs: list[PromptSpec],
    reservoir: Reservoir,
    companies: int,
    requests: int,
    shown_per_request: int,
) -> Iterator[tuple[LoggedRequest, list[OutcomeRecord]]]:
    """Yield each logged request with its outcome events, in request order."""
    usable = [s for s in specs if reservoir.relevant.get(s.prompt_id)]
    if not usable:
        return
    for r in range(requests):
        rng = rng_for(seed, "request", r)
        spec = rng.choice(usable)
        known = _candidates(rng, spec, reservoir, companies, shown_per_request)
        scored: list[tuple[float, int, str, float, bool]] = []
        for index, seen in known.items():
            if seen is None:  # a random company: rebuild its truth to judge it
                truth = factory.truth(index)
                grade, score = judge(truth, spec, catalog)
                domain, vendor = truth.domain, truth.vendor_of == spec.category
            else:
                domain, grade, score, vendor = seen
            # The logging policy is an imperfect lexical ranker: it likes vendors and is noisy.
            policy = grade + rng.gauss(0.0, 1.0) + (1.2 if vendor else 0.0)
            scored.append((policy, index, domain, score, vendor))
        scored.sort(key=lambda item: (-item[0], item[1]))
        request_id = stable_uuid(seed, "request", r)
        days = rng.uniform(1, 180)
        domains: list[str] = []
        events: list[OutcomeRecord] = []
        for position, (_, _, domain, score, vendor) in enumerate(scored, start=1):
            domains.append(domain)
            events.extend(
                _events(
                    rng,
                    request_id=request_id,
                    domain=domain,
                    position=position,
                    score=score,
                    vendor=vendor,
                    days=days,
                )
            )
        yield LoggedRequest(request_id, spec.prompt_id, timestamp(days), domains), events


def _candidates(
    rng: random.Random, spec: PromptSpec, reservoir: Reservoir, companies: int, k: int
) -> dict[int, tuple[str, int, float, bool] | None]:
    """Companies to show: some relevant, maybe a vendor or two, the rest random (judged later)."""
    relevant = reservoir.relevant[spec.prompt_id]
    picks: dict[int, tuple[str, int, float, bool] | None] = {}
    for index, score, grade, domain in rng.sample(relevant, min(len(relevant), rng.randint(2, k // 2 + 1))):
        picks[index] = (domain, grade, score, False)
    vendors = reservoir.vendors.get(spec.category, [])
    for index, domain in rng.sample(vendors, min(len(vendors), rng.randint(0, 2))):
        picks.setdefault(index, (domain, 0, 0.0, True))
    while len(picks) < k:
        index = rng.randrange(companies)
        if index not in picks:
            picks[index] = None
    return picks


def _events(
    rng: random.Random,
    *,
    request_id: str,
    domain: str,
    position: int,
    score: float,
    vendor: bool,
    days: float,
) -> list[OutcomeRecord]:
    def event(kind: str, at: float) -> OutcomeRecord:
        return {
            "event_id": stable_id("e", request_id, position, kind, length=24),
            "request_id": request_id,
            "domain": domain,
            "type": kind,
            "occurred_at": timestamp(at),
        }

    out = [event("impression", days)]
    examine = position**-0.8
    attract = min(0.95, max(0.01, 0.04 + 0.55 * score + rng.uniform(-0.03, 0.03)))
    if rng.random() >= examine * attract:
        unsubscribe = examine * (0.12 if vendor else 0.05 if score == 0 else 0.01)
        if rng.random() < unsubscribe:
            out.append(event("unsubscribe", days - rng.uniform(0.01, 3)))
        return out
    steps = (
        ("click", 1.0, 0.001, 2),
        ("reply", 0.15 + 0.6 * score, 0.5, 7),
        ("meeting", 0.2 + 0.6 * score, 2, 21),
        ("purchase", 0.1 + 0.6 * score, 7, 60),
    )
    at = days
    for kind, chance, lo, hi in steps:
        if kind != "click" and rng.random() >= chance:
            break
        at -= rng.uniform(lo, hi)
        if at <= 0:
            break
        out.append(event(kind, at))
    return out

"""Miners: who scraped each snippet, and how trustworthy they truly are (evaluation only)."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from dev.world.model import MINER_CLASSES, SNIPPET_KINDS
from dev.world.rng import rng_for

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
#: The first 24 miners always have this class mix, so every world has all three kinds.
_FIRST_CLASSES = ("good",) * 14 + ("lazy",) * 6 + ("spammer",) * 4


@dataclass(frozen=True)
class Miner:
    miner_id: str
    quality: str  # good | lazy | spammer
    kinds: tuple[str, ...]
    volume: float

    def to_json(self) -> dict[str, object]:
        return {
            "miner_id": self.miner_id,
            "quality": self.quality,
            "kinds": list(self.kinds),
            "volume": self.volume,
        }


def _hotkey(seed: int, j: int) -> str:
    """An SS58-looking identifier (48 chars), like a subnet miner's hotkey."""
    digest = hashlib.blake2b(f"{seed}:miner:{j}".encode(), digest_size=40).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(47):
        number, rem = divmod(number, 58)
        chars.append(_BASE58[rem])
    return "5" + "".join(chars)


def build_miners(seed: int, count: int) -> tuple[Miner, ...]:
    first = list(_FIRST_CLASSES)
    rng_for(seed, "miner-classes").shuffle(first)
    miners: list[Miner] = []
    for j in range(count):
        rng = rng_for(seed, "miner", j)
        if j < len(first):
            quality = first[j]
        else:
            roll = rng.random()
            quality = "good" if roll < 0.6 else "lazy" if roll < 0.85 else "spammer"
        if quality == "good" and j != _first_good(first):
            kinds = tuple(sorted(rng.sample(SNIPPET_KINDS, rng.randint(2, 5)), key=SNIPPET_KINDS.index))
        else:
            kinds = SNIPPET_KINDS
        miners.append(Miner(_hotkey(seed, j), quality, kinds, round(rng.uniform(0.3, 1.0), 3)))
    return tuple(miners)


def _first_good(classes: list[str]) -> int:
    return classes.index("good")


class MinerPool:
    """Fast weighted choice of a miner per purpose."""

    def __init__(self, miners: tuple[Miner, ...]) -> None:
        self.miners = miners
        self.by_id = {m.miner_id: m for m in miners}
        self._by_kind: dict[str, tuple[list[str], list[float]]] = {}
        for kind in SNIPPET_KINDS:
            self._by_kind[kind] = self._cumulative(
                [m for m in miners if m.quality == "good" and kind in m.kinds]
            )
        self._by_class = {q: self._cumulative([m for m in miners if m.quality == q]) for q in MINER_CLASSES}

    @staticmethod
    def _cumulative(miners: list[Miner]) -> tuple[list[str], list[float]]:
        ids, cumulative, total = [], [], 0.0
        for m in miners:
            total += m.volume
            ids.append(m.miner_id)
            cumulative.append(total)
        return ids, cumulative

    def good(self, rng: random.Random, kind: str) -> str:
        ids, cumulative = self._by_kind[kind]
        return rng.choices(ids, cum_weights=cumulative, k=1)[0]

    def of_class(self, rng: random.Random, quality: str) -> str:
        ids, cumulative = self._by_class[quality]
        return rng.choices(ids, cum_weights=cumulative, k=1)[0]

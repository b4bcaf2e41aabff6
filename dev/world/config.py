"""World configuration: sizes, the fixed world clock and derived population sizes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

GENERATOR_NAME = "leadpoet-world"
GENERATOR_VERSION = "1.0.0"

#: The world's "now". Every timestamp is relative to it, so output never depends on the wall clock.
WORLD_NOW = datetime(2026, 11, 1, 0, 0, 0, tzinfo=UTC)
WORLD_NOW_TEXT = "2026-11-01T00:00:00Z"

SIZES: dict[str, int] = {"tiny": 1_000, "demo": 20_000, "bench": 100_000, "scale": 1_000_000}
DEFAULT_SEED = 7

#: Files written by the generator, in the order the manifest lists them.
FILE_NAMES = (
    "categories.jsonl",
    "miners.jsonl",
    "prompts.jsonl",
    "snippets.jsonl",
    "qrels.jsonl",
    "truth.jsonl",
    "requests.jsonl",
    "outcomes.jsonl",
)


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def default_out_dir(size: str, seed: int) -> Path:
    return repo_root() / ".dev" / "world" / f"{size}-{seed}"


@dataclass(frozen=True)
class WorldConfig:
    """Everything that determines a world. Two equal configs give byte-identical files."""

    seed: int = DEFAULT_SEED
    companies: int = SIZES["tiny"]
    size: str = "tiny"
    #: Logged seller requests (each shows ``shown_per_request`` companies); None = derived from size.
    requests: int | None = None
    shown_per_request: int = 10

    def __post_init__(self) -> None:
        if self.companies < 200:
            raise ValueError("a world needs at least 200 companies")
        if self.seed < 0:
            raise ValueError("seed must be >= 0")

    @classmethod
    def for_size(cls, size: str, *, seed: int = DEFAULT_SEED, companies: int | None = None) -> WorldConfig:
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
        return cls(seed=seed, companies=companies or SIZES[size], size=size)

    @property
    def request_count(self) -> int:
        if self.requests is not None:
            return self.requests
        return max(400, self.companies // 10)

    @property
    def miner_count(self) -> int:
        return min(256, max(24, self.companies // 250))

"""Read a generated world back: manifest, JSON Lines iterators and checksum verification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dev.world.config import FILE_NAMES


def normalize_domain(domain: str) -> str:
    """The same normalisation ingestion applies (case, ``www.``, trailing dots)."""
    host = domain.strip().lower().rstrip(".")
    return host.removeprefix("www.")


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


@dataclass(frozen=True)
class WorldFiles:
    root: Path
    manifest: dict[str, Any]

    def iter(self, name: str) -> Iterator[dict[str, Any]]:
        return iter_jsonl(self.root / name)

    def snippets(self) -> Iterator[dict[str, Any]]:
        return self.iter("snippets.jsonl")

    def outcomes(self) -> Iterator[dict[str, Any]]:
        return self.iter("outcomes.jsonl")

    def requests(self) -> Iterator[dict[str, Any]]:
        return self.iter("requests.jsonl")

    def truth(self) -> Iterator[dict[str, Any]]:
        """Hidden truth: for evaluation only, never to be loaded into the service."""
        return self.iter("truth.jsonl")

    def prompts(self, split: str | None = None) -> list[dict[str, Any]]:
        return [p for p in self.iter("prompts.jsonl") if split is None or p["split"] == split]

    def categories(self) -> list[dict[str, Any]]:
        return list(self.iter("categories.jsonl"))

    def miners(self) -> list[dict[str, Any]]:
        return list(self.iter("miners.jsonl"))

    def qrels(self, split: str | None = None) -> dict[str, dict[str, int]]:
        """prompt_id -> {domain: grade}. Companies not listed have grade 0."""
        keep = None if split is None else {p["prompt_id"] for p in self.prompts(split)}
        out: dict[str, dict[str, int]] = {}
        for q in self.iter("qrels.jsonl"):
            if keep is None or q["prompt_id"] in keep:
                out.setdefault(q["prompt_id"], {})[q["domain"]] = int(q["grade"])
        return out

    def verify(self) -> list[str]:
        """Names of files whose size or SHA-256 differ from the manifest (empty list = intact)."""
        bad: list[str] = []
        for name, meta in self.manifest["files"].items():
            digest = hashlib.sha256()
            path = self.root / name
            if not path.exists():
                bad.append(name)
                continue
            with path.open("rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
            if digest.hexdigest() != meta["sha256"]:
                bad.append(name)
        return bad


def load_world_files(path: str | Path) -> WorldFiles:
    root = Path(path)
    manifest_path = root / "manifest.json"
    if not manifest_path.exists():
        raise FileNotFoundError(f"no manifest.json in {root}: generate the world first")
    manifest = json.loads(manifest_path.read_text())
    missing = [n for n in FILE_NAMES if not (root / n).exists()]
    if missing:
        raise FileNotFoundError(f"world at {root} is missing {', '.join(missing)}")
    return WorldFiles(root=root, manifest=manifest)

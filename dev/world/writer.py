"""Streaming writer: JSON Lines files with running SHA-256, a manifest, and a plain progress bar."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

from dev.world.config import FILE_NAMES, GENERATOR_NAME, GENERATOR_VERSION, WORLD_NOW_TEXT, WorldConfig
from dev.world.generate import WorldGenerator
from dev.world.names import PERSONAL_EMAIL_DOMAINS


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class JsonlSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("wb")
        self._hash = hashlib.sha256()
        self.lines = 0
        self.bytes = 0

    def write(self, obj: Any) -> None:
        data = dumps(obj)
        self._file.write(data)
        self._hash.update(data)
        self.lines += 1
        self.bytes += len(data)

    def close(self) -> dict[str, object]:
        self._file.close()
        return {"lines": self.lines, "bytes": self.bytes, "sha256": self._hash.hexdigest()}


class Progress:
    """A dependency-free progress line on stderr (redrawn on a TTY, periodic lines otherwise)."""

    def __init__(
        self, label: str, total: int, *, enabled: bool = True, stream: IO[str] | None = None
    ) -> None:
        self.label, self.total, self.enabled = label, max(1, total), enabled
        self.stream = stream or sys.stderr
        self.start = self.last = time.monotonic()
        self.tty = self.stream.isatty()

    def update(self, done: int, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < (0.25 if self.tty else 5.0):
            return
        self.last = now
        frac = min(1.0, done / self.total)
        elapsed = now - self.start
        eta = elapsed / frac - elapsed if frac > 0 else 0.0
        bar = "#" * int(frac * 30)
        line = f"{self.label:<10} [{bar:<30}] {done}/{self.total} {frac:6.1%} {elapsed:6.1f}s eta {eta:5.1f}s"
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        self.stream.flush()

    def finish(self, done: int) -> None:
        self.update(done, force=True)
        if self.enabled and self.tty:
            self.stream.write("\n")


def write_world(config: WorldConfig, out_dir: Path, *, progress: bool = True) -> dict[str, Any]:
    """Generate the world into ``out_dir`` and return the manifest (also written as manifest.json)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = WorldGenerator(config)
    sinks = {name: JsonlSink(out_dir / name) for name in FILE_NAMES}
    for record in gen.categories_json():
        sinks["categories.jsonl"].write(record)
    for record in gen.miners_json():
        sinks["miners.jsonl"].write(record)
    for prompt in gen.prompts:
        sinks["prompts.jsonl"].write(prompt)
    counts: Counter[str] = Counter()
    miner_class = {m.miner_id: m.quality for m in gen.miners}
    bar = Progress("companies", config.companies, enabled=progress)
    for done, bundle in enumerate(gen.companies(), start=1):
        truth = bundle.truth
        counts["companies"] += 1
        counts["real_companies"] += truth.real
        counts["vendors"] += truth.vendor_of is not None
        counts["sparse_companies"] += truth.sparse
        counts["contacts"] += len(truth.contacts)
        counts["personal_email_contacts"] += sum(c.personal for c in truth.contacts)
        for snippet in bundle.snippets:
            sinks["snippets.jsonl"].write(snippet)
            counts["snippets"] += 1
            counts[f"snippets_kind_{snippet['kind']}"] += 1
            counts[f"snippets_miner_{miner_class[snippet['miner_id']]}"] += 1
            if "contact" in snippet:
                counts["snippets_with_contact"] += 1
                email = snippet["contact"].get("email", "")
                counts["snippets_with_personal_email"] += email.rsplit("@", 1)[-1] in PERSONAL_EMAIL_DOMAINS
            counts["snippets_future_dated"] += snippet["observed_at"] > WORLD_NOW_TEXT
        for qrel in bundle.qrels:
            sinks["qrels.jsonl"].write(qrel)
            counts[f"qrels_{gen.split_of[qrel['prompt_id']]}_grade{qrel['grade']}"] += 1
        sinks["truth.jsonl"].write(bundle.truth_json())
        bar.update(done)
    bar.finish(config.companies)
    bar = Progress("traffic", config.request_count, enabled=progress)
    for done, (request, events) in enumerate(gen.traffic(), start=1):
        sinks["requests.jsonl"].write(request.to_json())
        counts["requests"] += 1
        for event in events:
            sinks["outcomes.jsonl"].write(event)
            counts[f"outcomes_{event['type']}"] += 1
        bar.update(done)
    bar.finish(counts["requests"])
    files = {name: sink.close() for name, sink in sinks.items()}
    manifest: dict[str, Any] = {
        "generator": GENERATOR_NAME,
        "version": GENERATOR_VERSION,
        "seed": config.seed,
        "size": config.size,
        "companies": config.companies,
        "world_now": WORLD_NOW_TEXT,
        "miners": len(gen.miners),
        "prompts": {
            s: sum(1 for p in gen.prompts if p["split"] == s) for s in ("train", "validation", "test")
        },
        "categories": {
            s: [c.id for c in gen.catalog.categories_in(s)] for s in ("train", "validation", "test")
        },
        "counts": dict(sorted(counts.items())),
        "personal_email_domains": list(PERSONAL_EMAIL_DOMAINS),
        "files": files,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    return manifest

"""Same seed, same bytes: across runs, hash seeds, and the in-memory and file paths."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from dev.world import World, WorldConfig, WorldFiles, build_world, write_world
from dev.world.config import FILE_NAMES, repo_root


def _digests(directory: Path) -> dict[str, str]:
    names = [*FILE_NAMES, "manifest.json"]
    return {n: hashlib.sha256((directory / n).read_bytes()).hexdigest() for n in names}


def test_same_seed_gives_identical_bytes(tiny_dir: Path, tiny_config: WorldConfig, tmp_path: Path) -> None:
    again = tmp_path / "again"
    write_world(tiny_config, again, progress=False)
    assert _digests(again) == _digests(tiny_dir)


def test_output_does_not_depend_on_hash_seed(tiny_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "other-hashseed"
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    subprocess.run(
        [sys.executable, "-m", "dev.world", "generate", "--size", "tiny", "--seed", "7", "--out", str(out),
         "--quiet"],
        check=True, cwd=repo_root(), env=env, capture_output=True,
    )  # fmt: skip
    assert _digests(out) == _digests(tiny_dir)


def test_manifest_checksums_match_files(tiny_files: WorldFiles) -> None:
    assert tiny_files.verify() == []
    assert tiny_files.manifest["world_now"] == "2026-11-01T00:00:00Z"
    assert tiny_files.manifest["seed"] == 7


def test_another_seed_gives_another_world(tiny_world: World) -> None:
    other = build_world(WorldConfig(seed=8, companies=300, size="custom"))
    assert [c.truth.domain for c in other.companies[:50]] != [
        c.truth.domain for c in tiny_world.companies[:50]
    ]


def test_small_world_is_a_prefix_of_a_bigger_one(tiny_world: World) -> None:
    small = build_world(WorldConfig(seed=7, companies=300, size="custom"))
    assert [c.truth for c in small.companies] == [c.truth for c in tiny_world.companies[:300]]
    assert [c.snippets for c in small.companies] == [c.snippets for c in tiny_world.companies[:300]]
    # Prompts depend on the seed only (exemplars come from companies present in every size >= 1,000).
    assert len(small.prompts) == len(tiny_world.prompts)


def test_in_memory_world_matches_files(tiny_world: World, tiny_files: WorldFiles) -> None:
    assert list(tiny_files.snippets()) == tiny_world.snippets
    assert tiny_files.prompts() == tiny_world.prompts
    assert list(tiny_files.outcomes()) == tiny_world.outcomes

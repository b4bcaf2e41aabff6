"""The lead world: a seeded, realistic B2B data world for the demo, the tests, training and evaluation.

Python API::

    from dev.world import WorldConfig, build_world, generate_world, write_world, load_world_files

    config = WorldConfig.for_size("tiny", seed=7)
    world = build_world(config)                 # everything in memory (tiny: ~2 s)
    gen = generate_world(config)                # streaming: gen.companies(), then gen.traffic()
    manifest = write_world(config, out_dir)     # the JSON Lines files + manifest.json
    files = load_world_files(out_dir)           # read back: files.snippets(), files.qrels("test"), ...

CLI: ``python -m dev.world generate|load|stats`` (see ``dev/world/README.md``).
"""

from __future__ import annotations

from dev.world.config import SIZES, WORLD_NOW, WORLD_NOW_TEXT, WorldConfig, default_out_dir
from dev.world.generate import CompanyBundle, WorldGenerator
from dev.world.memory import World, build_world
from dev.world.names import PERSONAL_EMAIL_DOMAINS
from dev.world.reader import WorldFiles, iter_jsonl, load_world_files, normalize_domain
from dev.world.writer import write_world


def generate_world(config: WorldConfig) -> WorldGenerator:
    """A streaming generator: iterate ``companies()`` first, then ``traffic()``."""
    return WorldGenerator(config)


__all__ = [
    "PERSONAL_EMAIL_DOMAINS",
    "SIZES",
    "WORLD_NOW",
    "WORLD_NOW_TEXT",
    "CompanyBundle",
    "World",
    "WorldConfig",
    "WorldFiles",
    "WorldGenerator",
    "build_world",
    "default_out_dir",
    "generate_world",
    "iter_jsonl",
    "load_world_files",
    "normalize_domain",
    "write_world",
]

"""The tiny world, built once per test session (about two seconds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dev.world import World, WorldConfig, WorldFiles, build_world, load_world_files, write_world


@pytest.fixture(scope="session")
def tiny_config() -> WorldConfig:
    return WorldConfig.for_size("tiny", seed=7)


@pytest.fixture(scope="session")
def tiny_world(tiny_config: WorldConfig) -> World:
    return build_world(tiny_config)


@pytest.fixture(scope="session")
def tiny_dir(tiny_config: WorldConfig, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world") / "tiny-7"
    write_world(tiny_config, out, progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_files(tiny_dir: Path) -> WorldFiles:
    return load_world_files(tiny_dir)


@pytest.fixture(scope="session")
def truth_by_domain(tiny_world: World) -> dict[str, Any]:
    return {c.truth.domain: c.truth for c in tiny_world.companies}

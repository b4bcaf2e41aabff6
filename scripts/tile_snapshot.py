"""A snapshot `--copies` times the size of a built one (tools/tile_snapshot.py).

python -m scripts.tile_snapshot --source .dev/snapshots/demo --out .dev/snapshots/tiled --copies 50
"""

from __future__ import annotations

from tools import tile_snapshot as tool


def main() -> None:
    tool.main()


if __name__ == "__main__":
    main()

"""The search-visibility probe process of scripts/bench_ingest.py (tools/bench_ingest_probe.py).

python -m scripts.bench_ingest_probe --samples IDS.json --out RESULT.json   (DATABASE_URL = bench DB)
"""

from __future__ import annotations

from tools import bench_ingest_probe as tool


def main() -> int:
    return tool.main()


if __name__ == "__main__":
    raise SystemExit(main())

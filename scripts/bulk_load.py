"""Load a generated world into a database through the ingestion code (tools/bulk_load.py).

python -m scripts.bulk_load --size tiny                      # into <DATABASE_URL db>_world_tiny
python -m scripts.bulk_load --size scale --database leadpoet_scale --replace
"""

from __future__ import annotations

from tools import bulk_load as tool


def main() -> None:
    tool.main()


if __name__ == "__main__":
    main()

"""Print (or with --write, replace in README.md) the table of every setting (tools/settings_table.py).

python -m scripts.settings_table [--write]
"""

from __future__ import annotations

from tools import settings_table as tool


def main() -> None:
    tool.main()


if __name__ == "__main__":
    main()

"""Print the Markdown table of every setting (name, type, default) for the README.

Run as `python -m scripts.settings_table [--write]` (--write replaces the table in README.md).
The README's table is checked against this output by tests/core/test_readme.py.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from app.core.config import REPO_ROOT, Settings


def _default(value: object) -> str:
    if isinstance(value, Path):
        try:
            return str(value.relative_to(REPO_ROOT)) or "."
        except ValueError:
            return str(value)
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def rows() -> list[str]:
    out = ["| setting (env var) | type | default |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        kind = getattr(field.annotation, "__name__", str(field.annotation)).replace("typing.", "")
        out.append(f"| `{name.upper()}` | {kind} | `{_default(field.default)}` |")
    return out


def write_readme() -> None:
    readme = REPO_ROOT / "README.md"
    table = "\n".join(rows())
    text = re.sub(
        r"<!-- settings-table:start -->.*<!-- settings-table:end -->",
        lambda _: f"<!-- settings-table:start -->\n{table}\n<!-- settings-table:end -->",
        readme.read_text(),
        flags=re.S,
    )
    readme.write_text(text)


def main() -> None:
    if "--write" in sys.argv[1:]:
        write_readme()
    else:
        print("\n".join(rows()))

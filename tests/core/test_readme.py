"""The README documents every setting and the two commands."""

from __future__ import annotations

from app.core.config import REPO_ROOT, Settings


def test_every_setting_is_in_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in readme]
    assert missing == [], f"add these to the README settings table (tools/settings_table.py): {missing}"


def test_readme_gives_the_two_commands() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme

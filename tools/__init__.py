"""Tool libraries used by scripts/ entry points and tests (no service code imports them)."""

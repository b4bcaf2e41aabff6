"""Tool libraries shared by scripts/ and tests/ (not imported by the service)."""

"""Entry point of ``python -m dev.world``."""

from __future__ import annotations

import sys

from dev.world.cli import main

sys.exit(main())

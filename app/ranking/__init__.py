"""The ranking core: pure functions and small immutable structures (no I/O at import time)."""

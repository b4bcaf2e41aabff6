"""Libraries behind the scripts/ entry points and the tests (not imported by app/)."""

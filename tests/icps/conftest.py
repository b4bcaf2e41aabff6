"""The lists' evidence world and its app (tests/lists/conftest.py) for searches by ICP."""

from tests.lists.conftest import lists_app, search_key

__all__ = ["lists_app", "search_key"]

"""The lists' evidence world and its app (tests/lists/conftest.py) for the drafts tests."""

from tests.lists.conftest import lists_app, search_key

__all__ = ["lists_app", "search_key"]

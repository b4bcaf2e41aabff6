"""ENVIRONMENT=prod refuses known-insecure values at start, with a message naming each one."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.core.config import DEV_PEPPER, Settings

SECRET = "s3cr3t-pepper-from-the-secret-store-0123456789"


def prod(**overrides: object) -> Settings:
    values: dict[str, Any] = {
        "environment": "prod",
        "api_key_pepper": SECRET,
        "public_docs": False,
        "log_level": "INFO",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def test_secure_production_settings_start() -> None:
    assert prod().environment == "prod"


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"api_key_pepper": DEV_PEPPER}, "API_KEY_PEPPER"),
        ({"api_key_pepper": "change-me-compose-only"}, "API_KEY_PEPPER"),
        ({"api_key_pepper": "short"}, "API_KEY_PEPPER"),
        ({"public_docs": True}, "PUBLIC_DOCS"),
        ({"log_level": "DEBUG"}, "LOG_LEVEL"),
        ({"log_level": "debug"}, "LOG_LEVEL"),
    ],
)
def test_insecure_production_settings_are_refused(override: dict[str, object], named: str) -> None:
    with pytest.raises(ValidationError) as info:
        prod(**override)
    assert "refusing to start with ENVIRONMENT=prod" in str(info.value)
    assert named in str(info.value)


def test_the_environment_variables_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "prod")
    monkeypatch.setenv("PUBLIC_DOCS", "false")
    monkeypatch.delenv("API_KEY_PEPPER", raising=False)
    with pytest.raises(ValidationError, match="API_KEY_PEPPER"):
        Settings(_env_file=None)


def test_development_defaults_are_fine_outside_prod() -> None:
    for environment in ("dev", "test", "staging"):
        assert Settings(_env_file=None, environment=environment).api_key_pepper == DEV_PEPPER

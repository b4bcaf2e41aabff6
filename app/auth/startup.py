"""The auth component: the API-key authenticator and the per-key rate limiter."""

from __future__ import annotations

from dataclasses import dataclass

from app.auth.service import Authenticator, RateLimiter
from app.core.clients import CoreClients


@dataclass(frozen=True, slots=True)
class AuthComponent:
    authenticator: Authenticator
    rate_limiter: RateLimiter


def start_auth(core: CoreClients) -> AuthComponent:
    """Builds the component (no I/O: keys are looked up on first use)."""
    settings = core.settings
    return AuthComponent(
        authenticator=Authenticator(
            sessionmaker=core.sessionmaker,
            pepper=settings.api_key_pepper,
            ttl_s=settings.auth_cache_ttl_s,
            redis=core.redis,
            unknown_version_grace_s=settings.auth_unknown_version_grace_s,
        ),
        rate_limiter=RateLimiter(redis=core.redis),
    )

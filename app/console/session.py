"""Console sign-in state: the API key lives only in an HttpOnly, Secure, SameSite=Strict cookie
scoped to /app (never in page script or localStorage), and every form carries a CSRF token.

CSRF is a signed double submit: a random nonce in its own HttpOnly cookie, and in each form the
HMAC of that nonce under a key derived from the server's pepper. A cross-site page can read
neither, and SameSite=Strict keeps both cookies off cross-site requests in the first place.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

PATH = "/app"
SESSION_COOKIE = "lp_console_key"
CSRF_COOKIE = "lp_console_csrf"
CSRF_FIELD = "csrf_token"
MAX_KEY_CHARS = 200


def _csrf_key(pepper: str) -> bytes:
    return hmac.new(pepper.encode(), b"console-csrf", hashlib.sha256).digest()


def csrf_token(*, nonce: str, pepper: str) -> str:
    return hmac.new(_csrf_key(pepper), nonce.encode(), hashlib.sha256).hexdigest()


def csrf_valid(*, nonce: str | None, token: str | None, pepper: str) -> bool:
    if not nonce or not token:
        return False
    return hmac.compare_digest(csrf_token(nonce=nonce, pepper=pepper), token)


def csrf_nonce(request: Request) -> tuple[str, bool]:
    """The request's CSRF nonce and whether it is new (then the response must set the cookie)."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if 16 <= len(nonce) <= 64 and nonce.isalnum():
        return nonce, False
    return secrets.token_hex(16), True


def session_key(request: Request) -> str | None:
    key = request.cookies.get(SESSION_COOKIE, "")
    return key if 0 < len(key) <= MAX_KEY_CHARS else None


def _set(response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=PATH, secure=True, httponly=True, samesite="strict"
    )


def set_csrf_cookie(response: Response, nonce: str) -> None:
    _set(response, CSRF_COOKIE, nonce, None)


def set_session_cookie(response: Response, *, key: str, max_age_s: int) -> None:
    _set(response, SESSION_COOKIE, key, max_age_s)


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path=PATH, secure=True, httponly=True, samesite="strict")

"""The console over ASGI: sign-in, CSRF, cookie flags, search, lead page, operator view and the
same scopes as the JSON API."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.api.lifespan import console_hook
from app.auth.service import create_key
from app.console import session as cookies
from app.core.config import Settings
from app.main import create_app
from tests.console.conftest import PROMPT, Keys, csrf, set_cookies, sign_in


async def test_without_a_session_pages_redirect_to_sign_in(browser: httpx.AsyncClient) -> None:
    for path in ("/app", "/app/search", "/app/operator", "/app/leads/00000000-0000-0000-0000-000000000000"):
        response = await browser.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/app/sign-in"), path


async def test_sign_in_sets_a_strict_httponly_secure_cookie(browser: httpx.AsyncClient, keys: Keys) -> None:
    page = await browser.get("/app/sign-in")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    csrf_cookie = set_cookies(page)[cookies.CSRF_COOKIE].lower()
    for flag in ("httponly", "secure", "samesite=strict", "path=/app"):
        assert flag in csrf_cookie
    response = await sign_in(browser, keys.search)
    assert response.status_code == 303
    assert response.headers["location"] == "/app/search"
    session = set_cookies(response)[cookies.SESSION_COOKIE].lower()
    for flag in ("httponly", "secure", "samesite=strict", "path=/app", "max-age="):
        assert flag in session
    search = await browser.get("/app/search")
    assert search.status_code == 200
    assert "ranker-test" in search.text  # the key's name (no workspace on this key)
    assert re.search(r'<input id="k" name="k" type="number" value="10" [^>]*\bmax="200"', search.text)
    assert keys.search not in search.text  # the key never reaches the page


async def test_a_bad_key_gets_a_clear_message(browser: httpx.AsyncClient, keys: Keys) -> None:
    for bad in ("nope", keys.search[:-3] + "xyz", "lp_deadbeef_x"):
        response = await sign_in(browser, bad)
        assert response.status_code == 401, bad
        assert "That API key was not recognised" in response.text
        assert cookies.SESSION_COOKIE not in set_cookies(response)


async def test_forms_without_a_valid_csrf_token_are_refused(browser: httpx.AsyncClient, keys: Keys) -> None:
    await browser.get("/app/sign-in")
    for data in ({"api_key": keys.search}, {"api_key": keys.search, "csrf_token": "0" * 64}):
        response = await browser.post("/app/sign-in", data=data)
        assert response.status_code == 403
        assert "did not come from this site" in response.text
    assert (await sign_in(browser, keys.search)).status_code == 303
    for path in ("/app/search", "/app/sign-out"):
        response = await browser.post(path, data={"prompt": PROMPT})
        assert response.status_code == 403, path
    assert (await browser.get("/app/search")).status_code == 200  # still signed in


async def test_oversized_and_unreadable_forms(browser: httpx.AsyncClient) -> None:
    token = await csrf(browser)
    big = await browser.post("/app/sign-in", data={"api_key": "x" * 20_000, "csrf_token": token})
    assert big.status_code == 413
    binary = await browser.post(
        "/app/sign-in", content=b"\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert binary.status_code == 400


async def test_search_then_lead_page_with_highlighted_evidence(
    browser: httpx.AsyncClient, keys: Keys
) -> None:
    await sign_in(browser, keys.search)
    token = await csrf(browser, "/app/search")
    submitted = await browser.post("/app/search", data={"prompt": PROMPT, "k": "5", "csrf_token": token})
    assert submitted.status_code == 303
    results = await browser.get(submitted.headers["location"])
    assert results.status_code == 200
    rows = re.findall(r'<a href="(/app/leads/[0-9a-f-]+\?[^"]+)">', results.text)
    assert len(rows) == 5
    lead = await browser.get(rows[0].replace("&amp;", "&"))
    assert lead.status_code == 200
    assert "ranked #1" in lead.text
    assert "<mark>" in lead.text
    assert "used in ranking" in lead.text
    assert 'data-testid="summary"' in lead.text


async def test_search_form_errors_name_the_field(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.search)
    cases = {
        "k=500&prompt=cloud+software": "k-error",
        "countries=USA&prompt=cloud+software": "countries-error",
        "employees_min=50&employees_max=5&prompt=cloud+software": "employees_max-error",
        "prompt=a%00b+cloud": "prompt-error",
        "employees_min=99999999999&prompt=cloud+software": "employees_min-error",
    }
    for query, field in cases.items():
        response = await browser.get(f"/app/search?{query}")
        assert response.status_code == 422, query
        assert f'id="{field}"' in response.text, query


async def test_unknown_lead_is_a_404_page(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.search)
    response = await browser.get("/app/leads/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    malformed = await browser.get("/app/leads/not-a-uuid")
    assert malformed.status_code == 404
    assert "text/html" in malformed.headers["content-type"]


async def test_search_only_key_cannot_reach_the_operator_view(
    browser: httpx.AsyncClient, keys: Keys, console_app: object
) -> None:
    await sign_in(browser, keys.search)
    page = await browser.get("/app/search")
    assert 'href="/app/operator"' not in page.text
    operator = await browser.get("/app/operator")
    assert operator.status_code == 403
    assert "admin" in operator.text
    assert 'href="/app/search"' in operator.text  # still signed in: the menu stays
    # The JSON API says the same for the same key.
    api = await browser.get("/v1/keys", headers={"Authorization": f"Bearer {keys.search}"})
    assert api.status_code == 403


async def test_ingest_only_key_cannot_search(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.ingest)
    assert (await browser.get("/app/search")).status_code == 403
    assert (await browser.get("/app/operator")).status_code == 403


async def test_admin_key_sees_the_operator_view(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.admin)
    await browser.get(f"/app/search?prompt={PROMPT}")  # one search for the latency and cost meters
    page = await browser.get("/app/operator")
    assert page.status_code == 200
    for text in (
        "Ingestion rate",
        "Search latency",
        "Cost per 1,000 leads",
        "Miners by reputation band",
        "<svg",
    ):
        assert text in page.text
    assert re.search(r"\d+ miners, \d+ quarantined", page.text)


async def test_sign_out_ends_the_session(browser: httpx.AsyncClient, keys: Keys) -> None:
    await sign_in(browser, keys.search)
    token = await csrf(browser, "/app/search")
    response = await browser.post("/app/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    assert 'lp_console_key=""' in set_cookies(response)[cookies.SESSION_COOKIE]
    assert (await browser.get("/app/search")).status_code == 303


async def test_revoked_key_ends_the_session(browser: httpx.AsyncClient, keys: Keys) -> None:
    browser.cookies.set(cookies.SESSION_COOKIE, "lp_deadbeef_gone", domain="testserver", path="/app")
    response = await browser.get("/app/search")
    assert response.status_code == 303
    assert response.headers["location"] == "/app/sign-in?expired=1"


async def test_static_assets_are_served_by_the_app(browser: httpx.AsyncClient) -> None:
    page = await browser.get("/app/sign-in")
    for name in re.findall(r"/app/static/([a-z.]+)\?v=", page.text):
        asset = await browser.get(f"/app/static/{name}")
        assert asset.status_code == 200
        again = await browser.get(f"/app/static/{name}", headers={"if-none-match": asset.headers["etag"]})
        assert again.status_code == 304
    assert (await browser.get("/app/static/../main.py")).status_code == 404


async def test_the_console_can_be_turned_off(console_settings: Settings) -> None:
    app = create_app(console_settings.model_copy(update={"console_enabled": False}), hooks=[console_hook])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
            for path in ("/app/sign-in", "/app/static/console.css"):
                assert (await client.get(path)).status_code == 404


async def test_console_pages_count_against_the_key_rate_limit(
    browser: httpx.AsyncClient, keys: Keys, console_engine: AsyncEngine, console_settings: Settings
) -> None:
    async with AsyncSession(console_engine) as session:
        _, new = await create_key(
            session,
            name="limited",
            scopes=["search"],
            pepper=console_settings.api_key_pepper,
            rate_limit_per_minute=2,
        )
        await session.commit()
    assert (await sign_in(browser, new.clear)).status_code == 303
    # Two per minute: a 429 comes within the next few pages even if a minute window turns over.
    responses = [await browser.get("/app/search") for _ in range(5)]
    assert {r.status_code for r in responses} <= {200, 429}
    limited = next(r for r in responses if r.status_code == 429)
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert "Too many requests" in limited.text

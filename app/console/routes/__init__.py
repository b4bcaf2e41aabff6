"""The console's pages under /app. Each page authenticates the signed-in key with the same rules
and scopes as the JSON API (`authorize`) and calls the same services as the JSON routes (never the
routes themselves); errors render as pages (sign in again, forbidden, not found), never as JSON."""

from __future__ import annotations

from fastapi import APIRouter

from app.console.routes import campaigns, icps, pages

router = APIRouter()
for part in (pages.router, icps.router, campaigns.router):
    router.include_router(part)

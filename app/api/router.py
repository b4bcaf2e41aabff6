"""All routers, one per resource."""

from fastapi import APIRouter

from app.api.routes import health, keys

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(keys.router)

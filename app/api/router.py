"""All routers: health, then each domain's routes."""

from fastapi import APIRouter

from app.api import health
from app.auth import routes as auth_routes
from app.ingest import routes as ingest_routes
from app.leads import routes as lead_routes

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(auth_routes.router)
api_router.include_router(ingest_routes.router)
api_router.include_router(lead_routes.router)

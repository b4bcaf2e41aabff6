"""All routers, one per resource."""

from fastapi import APIRouter

from app.api.routes import health, keys
from app.api.routes import leads as lead_routes
from app.api.routes import miners as miner_routes
from app.api.routes import outcomes as outcome_routes
from app.api.routes import snippets as snippet_routes
from app.contacts import routes as contact_routes

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(keys.router)
api_router.include_router(snippet_routes.router)
api_router.include_router(outcome_routes.router)
api_router.include_router(miner_routes.router)
api_router.include_router(lead_routes.router)
api_router.include_router(contact_routes.router)

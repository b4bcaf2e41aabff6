"""All routers, one per resource."""

from fastapi import APIRouter

from app.api.routes import health, keys
from app.api.routes import leads as lead_routes
from app.api.routes import miners as miner_routes
from app.api.routes import outcomes as outcome_routes
from app.api.routes import snippets as snippet_routes
from app.audit import routes as audit_routes
from app.drafts import routes as draft_routes
from app.icps import routes as icp_routes
from app.jobs import routes as job_routes
from app.lists import routes as list_routes

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(keys.router)
api_router.include_router(snippet_routes.router)
api_router.include_router(outcome_routes.router)
api_router.include_router(miner_routes.router)
api_router.include_router(icp_routes.router)
api_router.include_router(audit_routes.router)
api_router.include_router(list_routes.router)  # before /v1/leads/{lead_id}
api_router.include_router(job_routes.search_router)
api_router.include_router(draft_routes.router)
api_router.include_router(lead_routes.router)
api_router.include_router(job_routes.router)

"""All routers: health, then each domain's routes."""

from fastapi import APIRouter

from app.api import health
from app.audit import routes as audit_routes
from app.auth import routes as auth_routes
from app.console import routes as console_routes
from app.contacts import routes as contact_routes
from app.drafts import routes as draft_routes
from app.icps import routes as icp_routes
from app.ingest import routes as ingest_routes
from app.jobs import routes as job_routes
from app.leads import routes as lead_routes
from app.lists import routes as list_routes

api_router = APIRouter()
api_router.include_router(lead_routes.search_router)  # first: the hot path, one fixed path
api_router.include_router(health.router)
api_router.include_router(auth_routes.router)
api_router.include_router(ingest_routes.router)
api_router.include_router(icp_routes.router)
api_router.include_router(lead_routes.post_only)  # before any /v1/leads/{lead_id}
api_router.include_router(audit_routes.router)
api_router.include_router(list_routes.router)  # before /v1/leads/{lead_id}
api_router.include_router(job_routes.search_router)
api_router.include_router(draft_routes.router)
api_router.include_router(draft_routes.stored)
api_router.include_router(lead_routes.router)
api_router.include_router(console_routes.router)
api_router.include_router(contact_routes.router)
api_router.include_router(job_routes.router)

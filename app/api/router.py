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

# Included by the app one by one (app/main.py), not nested in one router: FastAPI works out a
# nested router's routes on every request, walking every router under it.
ROUTERS: tuple[APIRouter, ...] = (
    lead_routes.search_router,  # first: the hot path, one fixed path
    health.router,
    auth_routes.router,
    ingest_routes.router,
    icp_routes.router,
    lead_routes.post_only,  # before any /v1/leads/{lead_id}
    audit_routes.router,
    list_routes.router,  # before /v1/leads/{lead_id}
    job_routes.search_router,
    draft_routes.router,
    draft_routes.stored,
    lead_routes.router,
    console_routes.router,
    contact_routes.router,
    job_routes.router,
)

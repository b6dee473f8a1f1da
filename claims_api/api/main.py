"""Only includes the routers (as in the FastAPI template)."""

from fastapi import APIRouter

from claims_api.api.routes import claims, complaints, health, materials, policies, staff, stages
from claims_api.api.routes import materials_upload

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(policies.router)
api_router.include_router(claims.router)
api_router.include_router(materials.router)
api_router.include_router(stages.router)
api_router.include_router(complaints.router)
api_router.include_router(staff.router)
api_router.include_router(materials_upload.router)

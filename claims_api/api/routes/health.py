"""Liveness: 200 when the API and its database answer (contract §4)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from claims_api.core.db import ping
from claims_api.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_model=HealthOut,
    summary="健康检查 / Health check",
    description="数据库可用时返回 200；否则 503。Redis 的状态仅供参考，不影响状态码。",
    responses={503: {"model": HealthOut, "description": "数据库不可用"}},
)
def read_health(request: Request) -> JSONResponse:
    db_ok = ping(request.app.state.engine)
    try:
        redis_ok = bool(request.app.state.redis.ping())
    except Exception:  # noqa: BLE001 - any failure means unavailable
        redis_ok = False
    body = HealthOut(
        status="ok" if db_ok else "unavailable",
        database="ok" if db_ok else "unavailable",
        redis="ok" if redis_ok else "unavailable",
    )
    return JSONResponse(body.model_dump(), status_code=200 if db_ok else 503)

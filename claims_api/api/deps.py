"""Dependencies: database session, Redis, settings and token scopes.

Routes declare `session: SessionDep` and a scope dependency; nothing reads globals, so
tests can run several apps (SQLite, PostgreSQL) side by side.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import redis
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from claims_api.core.config import Settings
from claims_api.core.security import Scope, scope_for_token
from claims_api.errors import ApiError

bearer = HTTPBearer(
    auto_error=False,
    description="机器人用 CLAIMS_API_TOKEN（scope bot），员工工具用 STAFF_API_TOKEN（scope staff）",
)


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    """One session per request, always closed (and rolled back if not committed)."""
    with request.app.state.session_factory() as session:
        yield session


def get_redis(request: Request) -> redis.Redis:
    """The app's Redis client; it connects lazily, so a down Redis fails only the
    endpoints that use it (answered 503 by the error handler)."""
    return request.app.state.redis


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_db)]
RedisDep = Annotated[redis.Redis, Depends(get_redis)]


def current_scope(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Scope:
    """The caller's scope from its bearer token; 401 without a valid one."""
    scope = scope_for_token(credentials.credentials if credentials else None, settings)
    if scope is None:
        raise ApiError(
            401,
            "missing or invalid bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return scope


def require_bot_scope(scope: Annotated[Scope, Depends(current_scope)]) -> Scope:
    """Bot endpoints: the bot token or the staff token."""
    return scope


def require_staff_scope(scope: Annotated[Scope, Depends(current_scope)]) -> Scope:
    """Staff endpoints: only the staff token."""
    if scope != Scope.staff:
        raise ApiError(403, "this endpoint needs the staff token")
    return scope


BotScope = Annotated[Scope, Depends(require_bot_scope)]
StaffScope = Annotated[Scope, Depends(require_staff_scope)]

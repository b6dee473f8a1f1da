"""The Claims API application: `create_app(settings)` builds it, `app` is the default one.

At start it migrates the database (`alembic upgrade head`), loads the demo data when
LOAD_DEMO_DATA is true, and sends any notification still waiting for Redis.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from claims_api import __version__, demo_data, notifications
from claims_api.api.main import api_router
from claims_api.core.config import Settings, get_settings
from claims_api.core.db import make_engine, make_session_factory, run_migrations
from claims_api.errors import install_exception_handlers

logger = logging.getLogger("claims_api")

DESCRIPTION = """
理赔报案助手的保单/理赔系统接口。机器人的动作只能通过这个 HTTP 接口访问保单和案件。

**认证**：除 `/healthz`、`/docs`、`/openapi.json` 外，所有接口都需要
`Authorization: Bearer <token>`。`CLAIMS_API_TOKEN`（机器人，演示默认 `demo-bot-token`）
只能调用机器人接口，且姓名、手机号会脱敏；`STAFF_API_TOKEN`（员工，演示默认
`demo-staff-token`）可以调用全部接口。`APP_ENV=production` 时拒绝演示令牌。

**错误**：一律是 JSON `{"detail": "...", "message_zh": "..."}` 和 4xx 状态码；`detail`
给开发者看（英文），`message_zh` 是可以转告客户的中文说明。

**时间**：所有时间都带时区，按北京时间（+08:00）输出。
"""

TAGS = [
    {"name": "health", "description": "健康检查"},
    {"name": "policies", "description": "保单查询、身份核对、保障范围初步核对（机器人）"},
    {"name": "claims", "description": "报案和理赔进度查询（机器人）"},
    {"name": "materials", "description": "理赔材料清单（机器人）"},
    {"name": "stages", "description": "理赔阶段说明（机器人）"},
    {"name": "complaints", "description": "投诉登记"},
    {"name": "staff", "description": "员工工具：案件列表、阶段变更、补充材料、赔付、拒赔、通知记录"},
]


def startup(app: FastAPI) -> None:
    """Migrate, load demo data, flush pending notifications. Synchronous on purpose:
    tests call it directly to prepare an app without serving it."""
    settings: Settings = app.state.settings
    run_migrations(app.state.engine)
    if settings.LOAD_DEMO_DATA:
        with app.state.session_factory() as session:
            demo_data.load_demo_data(session=session, path=settings.DEMO_DATA_PATH)
    with app.state.session_factory() as session:
        notifications.publish_pending(session, app.state.redis, stream=settings.NOTIFICATION_STREAM)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(startup, app)
    yield
    app.state.redis.close()
    app.state.engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build an app bound to its own engine and Redis client (nothing global)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="理赔报案 Claims API",
        description=DESCRIPTION,
        version=__version__,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.DATABASE_URL)
    app.state.session_factory = make_session_factory(app.state.engine)
    app.state.redis = redis.Redis.from_url(
        settings.REDIS_URL,
        decode_responses=True,
        socket_connect_timeout=1.0,
        socket_timeout=2.0,
        retry_on_timeout=False,
    )
    app.state.reserved_report_nos = demo_data.reserved_report_numbers(settings.DEMO_DATA_PATH)
    install_exception_handlers(app)
    app.include_router(api_router)
    return app


app = create_app()

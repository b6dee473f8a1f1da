"""Errors as JSON `{"detail", "message_zh", ...}` with a 4xx status, never a bare 500.

`detail` is English for developers; `message_zh` is polite Chinese the bot may relay.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import redis.exceptions
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("claims_api")

GENERIC_INPUT_ZH = "您提供的信息格式不正确，请核对后重新提交。"
BUSY_ZH = "系统正忙，请稍后再试。"
SERVICE_DOWN_ZH = "查询服务暂时不可用，请稍后再试，或转人工客服为您处理。"

# Chinese hints for the fields customers type, so the bot can say what to correct.
FIELD_HINTS_ZH: dict[str, str] = {
    "contact_phone": "手机号应为11位数字，例如13812345678。",
    "phone": "手机号应为11位数字。",
    "insured_id_number": "身份证号码未通过校验，请核对18位身份证号是否填写正确。",
    "incident_time": "出险时间格式不正确，或不在合理范围内。",
    "plate_number": "车牌号格式不正确，例如京A12345。",
    "policy_no": "保单号格式不正确，请核对。",
    "report_no": "报案号格式不正确，请核对。",
    "phone_last4": "请提供手机号后4位数字。",
    "id_last6": "请提供身份证号后6位。",
    "claim_type": "理赔类型应为车辆损失、人身伤害、财产损失或医疗之一。",
}


class ApiError(Exception):
    """An error with a status, an English detail and optional Chinese message and extras."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        message_zh: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.message_zh = message_zh
        self.headers = headers
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": self.detail}
        if self.message_zh is not None:
            body["message_zh"] = self.message_zh
        body.update(self.extra)
        return body


def _validation_body(exc: RequestValidationError) -> dict[str, Any]:
    """One readable sentence plus the structured list, without echoing the input back
    (it may hold personal data)."""
    errors = []
    hints: list[str] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        msg = str(err.get("msg", "invalid"))
        if err.get("type") == "json_invalid":
            msg = "request body is not valid JSON"
        errors.append({"loc": loc, "msg": msg, "type": err.get("type")})
        for part in loc:
            hint = FIELD_HINTS_ZH.get(part)
            if hint and hint not in hints:
                hints.append(hint)
    detail = "; ".join(
        f"{'.'.join(e['loc']) or 'request'}: {e['msg']}" for e in errors
    ) or "invalid request"
    return {
        "detail": detail,
        "message_zh": "".join(hints) or GENERIC_INPUT_ZH,
        "errors": json.loads(json.dumps(errors, default=str)),
    }


def install_exception_handlers(app: FastAPI) -> None:
    """Register the handlers that keep every failure a clear JSON answer."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_validation_body(exc), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail, default=str)
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        logger.warning("integrity error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "conflicting concurrent change; please retry", "message_zh": BUSY_ZH},
            status_code=409,
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        logger.error("database error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return JSONResponse(
            {"detail": "database unavailable; please retry later", "message_zh": SERVICE_DOWN_ZH},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(redis.exceptions.ConnectionError)
    @app.exception_handler(redis.exceptions.TimeoutError)
    async def _redis(request: Request, exc: redis.exceptions.RedisError) -> JSONResponse:
        logger.error("redis unavailable on %s %s", request.method, request.url.path)
        return JSONResponse(
            {
                "detail": "Redis is unavailable, this endpoint needs it; please retry later",
                "message_zh": SERVICE_DOWN_ZH,
            },
            status_code=503,
            headers={"Retry-After": "5"},
        )

"""Filing a claim (idempotent) and the verified status lookup (bot scope)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from claims_api import crud
from claims_api.api.deps import BotScope, RedisDep, SessionDep, SettingsDep
from claims_api.errors import ApiError
from claims_api.schemas import (
    ClaimCreate,
    ClaimFiled,
    ErrorOut,
    LockedOut,
    StatusLookupRequest,
    StatusLookupResult,
)
from claims_api.verification import VerificationGuard

router = APIRouter(prefix="/claims", tags=["claims"])

VERIFY_FAILED_ZH = (
    "抱歉，根据您提供的信息没有查到对应的案件。请核对报案号（或保单号）和手机号后4位"
    "（或身份证后6位）后再试一次。"
)
LOCKED_ZH = (
    "为了保护您的信息安全，验证未通过的次数较多，查询功能已暂时锁定，请{minutes}分钟后再试，"
    "或转人工客服为您查询。"
)


@router.post(
    "",
    response_model=ClaimFiled,
    status_code=201,
    summary="报案 / File a claim",
    description="提交报案。必须带请求头 Idempotency-Key（8–128 个可见 ASCII 字符）：同一个键重复提交"
    "（即使并发）只会生成一个案件，之后返回 200 和相同的内容；同一个键但内容不同返回 409。"
    "服务端会重新核对保单、保险期间、险种、被保险人身份和各项格式，不通过时返回 422，"
    "detail 说明原因，message_zh 可直接转告客户。",
    responses={
        200: {"model": ClaimFiled, "description": "重复的 Idempotency-Key：返回第一次的结果"},
        409: {"model": ErrorOut, "description": "Idempotency-Key 已用于不同的报案内容"},
        422: {"model": ErrorOut, "description": "校验不通过（保单、身份、保障范围、格式）"},
    },
)
def create_claim(
    request: Request,
    response: Response,
    body: ClaimCreate,
    session: SessionDep,
    _scope: BotScope,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            min_length=8,
            max_length=128,
            pattern=r"^[\x21-\x7e]+$",
            description="幂等键，例如会话 ID + 报案序号；重复提交用同一个键",
        ),
    ],
) -> ClaimFiled:
    filed, created = crud.create_claim(
        session=session,
        claim_in=body,
        idempotency_key=idempotency_key,
        reserved_report_nos=request.app.state.reserved_report_nos,
    )
    response.status_code = 201 if created else 200
    return filed


@router.post(
    "/status-lookup",
    response_model=StatusLookupResult,
    summary="查询理赔进度（需验证）/ Status lookup",
    description="报案号或保单号，加手机号后4位或身份证后6位验证。验证失败和号码不存在都返回同样的 403，"
    "无法借此探测号码；同一号码连续失败5次锁定15分钟（423，附 retry_after_seconds），成功后清零。"
    "按保单号查询时返回该保单的全部案件，最新的在前。需要 Redis，Redis 不可用时返回 503。",
    responses={
        403: {"model": ErrorOut, "description": "验证未通过（或号码不存在）"},
        423: {"model": LockedOut, "description": "失败次数过多，暂时锁定"},
        503: {"model": ErrorOut, "description": "Redis 不可用"},
    },
)
def lookup_status(
    body: StatusLookupRequest,
    session: SessionDep,
    redis_client: RedisDep,
    settings: SettingsDep,
    _scope: BotScope,
) -> StatusLookupResult:
    number = body.report_no or body.policy_no or ""
    guard = VerificationGuard(
        redis_client, max_failures=settings.VERIFY_MAX_FAILURES, lock_seconds=settings.VERIFY_LOCK_SECONDS
    )
    locked = guard.locked_for(number)
    if locked is not None:
        raise _locked(locked)
    claims = crud.lookup_claims(session=session, lookup=body)
    if claims is None:
        lock = guard.record_failure(number)
        if lock is not None:
            raise _locked(lock)
        raise ApiError(403, "verification failed", VERIFY_FAILED_ZH)
    guard.reset(number)
    return StatusLookupResult(claims=[crud.claim_status(c) for c in claims])


def _locked(seconds: int) -> ApiError:
    minutes = max(1, -(-seconds // 60))
    return ApiError(
        423,
        "too many failed verifications; locked",
        LOCKED_ZH.format(minutes=minutes),
        headers={"Retry-After": str(seconds)},
        retry_after_seconds=seconds,
    )

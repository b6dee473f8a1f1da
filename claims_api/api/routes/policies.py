"""Policy lookup, identity check and first-view coverage check (bot scope)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from claims_api import crud
from claims_api.api.deps import BotScope, SessionDep
from claims_api.core.security import Scope
from claims_api.schemas import (
    CoverageCheckRequest,
    CoverageCheckResult,
    ErrorOut,
    IdentityCheckRequest,
    IdentityCheckResult,
    PolicyPublic,
)

router = APIRouter(prefix="/policies", tags=["policies"])

PolicyNoPath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9 ]{1,60}$", description="保单号（不区分大小写，可含空格）")
]
NOT_FOUND = {404: {"model": ErrorOut, "description": "保单不存在"}}


@router.get(
    "/{policy_no}",
    response_model=PolicyPublic,
    summary="查询保单 / Get a policy",
    description="返回保单基本信息。机器人权限下，投保人、被保险人姓名和手机号会脱敏（如 王*国、138****5678）。",
    responses=NOT_FOUND,
)
def read_policy(policy_no: PolicyNoPath, session: SessionDep, scope: BotScope) -> PolicyPublic:
    policy = crud.require_policy(session=session, policy_no=policy_no)
    return PolicyPublic.build(policy, masked=scope != Scope.staff, today=crud.today_shanghai())


@router.post(
    "/{policy_no}/identity-check",
    response_model=IdentityCheckResult,
    summary="核对被保险人身份 / Identity check",
    description="给出的每一项（姓名、身份证号、手机号）都与保单一致才返回 match=true；"
    "不会说明是哪一项不一致。",
    responses=NOT_FOUND,
)
def check_identity(
    policy_no: PolicyNoPath, body: IdentityCheckRequest, session: SessionDep, _scope: BotScope
) -> IdentityCheckResult:
    policy = crud.require_policy(session=session, policy_no=policy_no)
    return IdentityCheckResult(
        match=crud.identity_matches(
            policy=policy, insured_name=body.insured_name, id_number=body.id_number, phone=body.phone
        )
    )


@router.post(
    "/{policy_no}/coverage-check",
    response_model=CoverageCheckResult,
    summary="初步核对保障范围 / Coverage check",
    description="出险时间是否在保险期间内（按北京时间的日期，首尾两天都算）、保单险种是否保障这类案件。"
    "不保障时 reason 为 expired / cancelled / not_yet_in_force / line_mismatch，"
    "explanation_zh 是可以直接转告客户的说明。这只是初步判断，最终以理赔审核为准。",
    responses={**NOT_FOUND, 422: {"model": ErrorOut, "description": "出险时间晚于当前时间等"}},
)
def check_coverage(
    policy_no: PolicyNoPath, body: CoverageCheckRequest, session: SessionDep, _scope: BotScope
) -> CoverageCheckResult:
    policy = crud.require_policy(session=session, policy_no=policy_no)
    crud.check_not_future(body.incident_time)
    result = crud.check_coverage(policy=policy, incident_time=body.incident_time, claim_type=body.claim_type)
    return CoverageCheckResult(
        covered=result.covered,
        in_force=result.in_force,
        line_covers=result.line_covers,
        reason=result.reason,
        explanation_zh=result.explanation_zh,
    )

"""Staff tools: list and read claims, move them through the state machine (staff scope).

Every stage change writes a claim_events row and a notification (DB row + Redis stream
`claims:notifications`). A Redis outage does not block staff: the notification waits in
the database and goes out with the next publish.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.orm import Session

from claims_api import crud, notifications
from claims_api.api.deps import SessionDep, require_staff_scope
from claims_api.domain.stages import Stage
from claims_api.schemas import (
    ClaimDetail,
    ClaimPublic,
    ErrorOut,
    MaterialRequestCreate,
    MaterialsReceivedCreate,
    NotificationPublic,
    PayoutCreate,
    RejectionCreate,
    TransitionConflictOut,
    TransitionRequest,
)

router = APIRouter(tags=["staff"], dependencies=[Depends(require_staff_scope)])

ReportNoPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9 ]{1,40}$", description="报案号")]
CHANGE_RESPONSES = {
    404: {"model": ErrorOut, "description": "报案号不存在"},
    409: {"model": TransitionConflictOut, "description": "状态机不允许的变更；legal_moves 列出允许的下一阶段"},
}


def _publish(request: Request, session: Session) -> None:
    notifications.publish_pending(
        session, request.app.state.redis, stream=request.app.state.settings.NOTIFICATION_STREAM
    )


@router.get(
    "/claims",
    response_model=list[ClaimPublic],
    summary="案件列表（员工）/ List claims",
    description="按保单号（可选）和阶段（可选）筛选，最新的在前。字段见产品契约 §4："
    "incident_time 带 +08:00，plate_number 仅车险有值。",
)
def read_claims(
    session: SessionDep,
    policy_no: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9 ]{1,60}$", description="保单号")] = None,
    stage: Annotated[Stage | None, Query(description="阶段")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ClaimPublic]:
    claims = crud.list_claims(session=session, policy_no=policy_no, stage=stage, limit=limit)
    return [ClaimPublic.build(c) for c in claims]


@router.get(
    "/claims/{report_no}",
    response_model=ClaimDetail,
    summary="案件详情（员工）/ Read a claim",
    description="案件信息和完整的阶段历史 events（谁、何时、为什么、从哪个阶段到哪个阶段）。",
    responses={404: {"model": ErrorOut, "description": "报案号不存在"}},
)
def read_claim(report_no: ReportNoPath, session: SessionDep) -> ClaimDetail:
    return ClaimDetail.build(crud.require_claim(session=session, report_no=report_no))


@router.post(
    "/claims/{report_no}/transitions",
    response_model=ClaimPublic,
    summary="变更案件阶段（员工）/ Move a claim",
    description="按状态机变更阶段；不允许的变更返回 409 并列出允许的下一阶段。"
    "待补充材料、已赔付、不予赔付需要各自的数据，请分别用 material-requests、payout、rejection 接口。"
    "可选 note 是给客户看的备注，estimated_amount 是预估赔款。",
    responses={**CHANGE_RESPONSES, 422: {"model": ErrorOut, "description": "请使用专门的接口"}},
)
def move_claim(report_no: ReportNoPath, body: TransitionRequest, session: SessionDep, request: Request) -> ClaimPublic:
    claim = crud.transition_claim(session=session, report_no=report_no, change=body)
    _publish(request, session)
    return ClaimPublic.build(claim)


@router.post(
    "/claims/{report_no}/material-requests",
    response_model=ClaimPublic,
    summary="要求补充材料（员工）/ Request materials",
    description="items 可以是材料目录中的 code 或名称，也可以是自定义名称；阶段变为待补充材料，"
    "并一次性通知客户所有缺少的材料。",
    responses=CHANGE_RESPONSES,
)
def request_materials(
    report_no: ReportNoPath, body: MaterialRequestCreate, session: SessionDep, request: Request
) -> ClaimPublic:
    claim = crud.request_materials(session=session, report_no=report_no, request=body)
    _publish(request, session)
    return ClaimPublic.build(claim)


@router.post(
    "/claims/{report_no}/materials-received",
    response_model=ClaimPublic,
    summary="登记已收到的材料（员工）/ Record received materials",
    description="把材料标记为已收到（阶段不变，材料齐全后请用 transitions 进入审核）。",
    responses=CHANGE_RESPONSES,
)
def receive_materials(report_no: ReportNoPath, body: MaterialsReceivedCreate, session: SessionDep) -> ClaimPublic:
    return ClaimPublic.build(crud.receive_materials(session=session, report_no=report_no, received=body))


@router.post(
    "/claims/{report_no}/payout",
    response_model=ClaimPublic,
    summary="登记赔款支付（员工）/ Record the payout",
    description="只允许从“已核定待支付”变为“已赔付”；通知客户金额和收款账户尾号。",
    responses=CHANGE_RESPONSES,
)
def pay_claim(report_no: ReportNoPath, body: PayoutCreate, session: SessionDep, request: Request) -> ClaimPublic:
    claim = crud.record_payout(session=session, report_no=report_no, payout=body)
    _publish(request, session)
    return ClaimPublic.build(claim)


@router.post(
    "/claims/{report_no}/rejection",
    response_model=ClaimPublic,
    summary="拒赔（员工）/ Reject a claim",
    description="写明原因 reason、依据条款 clause 和申诉途径 appeal（不填用默认说明），并书面通知客户。",
    responses=CHANGE_RESPONSES,
)
def reject_claim(report_no: ReportNoPath, body: RejectionCreate, session: SessionDep, request: Request) -> ClaimPublic:
    claim = crud.record_rejection(session=session, report_no=report_no, rejection=body)
    _publish(request, session)
    return ClaimPublic.build(claim)


@router.get(
    "/notifications",
    response_model=list[NotificationPublic],
    summary="客户通知记录（员工）/ List notifications",
    description="数据库中保存的通知，最新的在前；stream_id 为空表示尚未写入 Redis（Redis 恢复后补发）。",
)
def read_notifications(
    session: SessionDep,
    report_no: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9 ]{1,40}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NotificationPublic]:
    rows = crud.list_notifications(session=session, report_no=report_no, limit=limit)
    return [NotificationPublic.model_validate(n, from_attributes=True) for n in rows]

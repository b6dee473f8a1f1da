"""Complaints (投诉): registered with a reference number (bot scope); listed for staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from claims_api import crud
from claims_api.api.deps import BotScope, SessionDep, StaffScope
from claims_api.schemas import ComplaintCreate, ComplaintCreated, ComplaintPublic

router = APIRouter(prefix="/complaints", tags=["complaints"])


@router.post(
    "",
    response_model=ComplaintCreated,
    status_code=201,
    summary="登记投诉 / Register a complaint",
    description="登记客户投诉，返回投诉编号（TS + yyyymmdd + 6位序号）和预计回复时间说明 expected_response_zh。",
)
def create_complaint(body: ComplaintCreate, session: SessionDep, _scope: BotScope) -> ComplaintCreated:
    complaint = crud.create_complaint(session=session, complaint_in=body)
    return ComplaintCreated(
        complaint_no=complaint.complaint_no,
        created_at=complaint.created_at,
        expected_response_zh=crud.EXPECTED_RESPONSE_ZH.format(complaint_no=complaint.complaint_no),
    )


@router.get(
    "",
    response_model=list[ComplaintPublic],
    summary="投诉列表（员工）/ List complaints",
    description="最新的在前。",
)
def read_complaints(
    session: SessionDep,
    _scope: StaffScope,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ComplaintPublic]:
    return [
        ComplaintPublic.model_validate(c, from_attributes=True)
        for c in crud.list_complaints(session=session, limit=limit)
    ]

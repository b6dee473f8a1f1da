"""The materials catalogue per claim type (bot scope); source: domain/materials.py."""

from __future__ import annotations

from fastapi import APIRouter

from claims_api.api.deps import BotScope
from claims_api.domain.materials import ClaimType
from claims_api.schemas import MaterialCatalogue, MaterialChecklist

router = APIRouter(prefix="/materials", tags=["materials"])


@router.get(
    "",
    response_model=MaterialCatalogue,
    summary="全部理赔材料清单 / All checklists",
    description="每种案件类型（车辆损失、人身伤害/意外、财产损失、医疗/健康）的材料清单和递交方式。",
)
def read_catalogue(_scope: BotScope) -> MaterialCatalogue:
    return MaterialCatalogue(claim_types=[MaterialChecklist.build(t) for t in ClaimType])


@router.get(
    "/{claim_type}",
    response_model=MaterialChecklist,
    summary="某类案件的材料清单 / Checklist of one claim type",
    description="每项材料说明是什么、去哪里开具，required_when 写明在什么情况下才需要（为空表示都需要）；"
    "submission_methods 是递交方式：线上上传、邮寄、柜面递交。",
)
def read_checklist(claim_type: ClaimType, _scope: BotScope) -> MaterialChecklist:
    return MaterialChecklist.build(claim_type)

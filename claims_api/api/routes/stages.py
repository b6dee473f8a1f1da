"""Stage wording (bot scope); source: domain/stages.py."""

from __future__ import annotations

from fastapi import APIRouter

from claims_api.api.deps import BotScope
from claims_api.domain import stages
from claims_api.schemas import StageOut

router = APIRouter(prefix="/stages", tags=["stages"])


@router.get(
    "",
    response_model=list[StageOut],
    summary="理赔阶段说明 / Stages",
    description="每个阶段的中文名称、通俗解释、通常所需时间，以及状态机允许的下一阶段。这是阶段文案的唯一来源。",
)
def read_stages(_scope: BotScope) -> list[StageOut]:
    return [
        StageOut(
            stage=s.stage,
            label_zh=s.label_zh,
            explanation_zh=s.explanation_zh,
            typical_duration_zh=s.typical_duration_zh,
            legal_next_stages=stages.legal_moves(s.stage),
        )
        for s in stages.STAGES.values()
    ]

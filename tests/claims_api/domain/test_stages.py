"""The stage catalogue and the state machine (claims_api/domain/stages.py)."""

from __future__ import annotations

import pytest

from claims_api.domain import stages
from claims_api.domain.stages import STAGES, TRANSITIONS, Stage

CONTRACT_STAGES = [
    "reported", "accepted", "awaiting_materials", "under_review", "investigating",
    "adjusting", "approved", "paid", "rejected", "withdrawn",
]


def test_stages_match_the_contract() -> None:
    assert [s.value for s in Stage] == CONTRACT_STAGES
    assert set(STAGES) == set(Stage) == set(TRANSITIONS)


@pytest.mark.parametrize("stage", list(Stage))
def test_every_stage_has_plain_chinese_wording(stage: Stage) -> None:
    info = stages.info(stage)
    for text in (info.label_zh, info.explanation_zh, info.typical_duration_zh, info.next_step_zh):
        assert text and any("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert "{report_no}" in info.message_zh


@pytest.mark.parametrize("stage", list(Stage))
def test_stage_wording_never_promises(stage: Stage) -> None:
    info = stages.info(stage)
    text = info.explanation_zh + info.typical_duration_zh + info.next_step_zh + info.message_zh
    for promise in ("保证", "一定会", "肯定", "确保赔付", "马上到账"):
        assert promise not in text


def test_durations_follow_insurance_law() -> None:
    assert "30日" in stages.info(Stage.adjusting).typical_duration_zh
    assert "10日" in stages.info(Stage.approved).typical_duration_zh


def test_legal_moves_from_approved_is_only_paid() -> None:
    assert stages.legal_moves(Stage.approved) == [Stage.paid]


def test_can_move_refuses_skipping_to_paid() -> None:
    assert not stages.can_move(Stage.reported, Stage.paid)
    assert not stages.can_move(Stage.adjusting, Stage.paid)
    assert stages.can_move(Stage.approved, Stage.paid)


def test_terminal_stages_are_paid_and_withdrawn() -> None:
    assert stages.TERMINAL_STAGES == {Stage.paid, Stage.withdrawn}


def test_rejected_can_reopen_for_appeal_only() -> None:
    assert stages.legal_moves(Stage.rejected) == [Stage.under_review]


def test_every_stage_is_reachable_from_reported() -> None:
    for stage in Stage:
        path = stages.path_to(stage)
        assert path[0] == Stage.reported and path[-1] == stage
        for a, b in zip(path, path[1:]):
            assert stages.can_move(a, b)


def test_path_to_paid_is_the_shortest() -> None:
    assert [s.value for s in stages.path_to(Stage.paid)] == [
        "reported", "accepted", "under_review", "adjusting", "approved", "paid",
    ]


def test_dedicated_endpoints_exist_for_data_carrying_stages() -> None:
    assert set(stages.DEDICATED_ENDPOINT) == {Stage.awaiting_materials, Stage.paid, Stage.rejected}

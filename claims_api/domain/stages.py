"""The one source of claim stages: labels, plain-Chinese explanations, typical durations,
customer messages and the state machine of legal moves.

Wording follows the PRC Insurance Law without promising more than it obliges: art. 22
(ask for all missing material at once), art. 23 (decide "in time", complex cases within
30 days unless the contract says otherwise; pay within 10 days after agreeing the amount)
and art. 24 (a rejection is notified in writing with its reasons).
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass


class Stage(str, enum.Enum):
    """Claim stages, fixed by the product contract (§4)."""

    reported = "reported"
    accepted = "accepted"
    awaiting_materials = "awaiting_materials"
    under_review = "under_review"
    investigating = "investigating"
    adjusting = "adjusting"
    approved = "approved"
    paid = "paid"
    rejected = "rejected"
    withdrawn = "withdrawn"


@dataclass(frozen=True)
class StageInfo:
    """Customer-facing wording of one stage."""

    stage: Stage
    label_zh: str
    explanation_zh: str
    typical_duration_zh: str
    next_step_zh: str
    # Sent to the customer when a claim enters the stage; {report_no} is filled in.
    message_zh: str


STAGES: dict[Stage, StageInfo] = {
    info.stage: info
    for info in (
        StageInfo(
            Stage.reported,
            "已报案",
            "我们已收到您的报案，理赔专员会联系您核实出险情况。",
            "一般在1个工作日内与您联系，节假日可能顺延。",
            "请保持电话畅通，理赔专员会与您联系；同时可以先按材料清单准备理赔材料。",
            "您的报案（报案号{report_no}）已登记，理赔专员会尽快联系您核实情况，请保持电话畅通。",
        ),
        StageInfo(
            Stage.accepted,
            "已受理",
            "案件已受理，我们已初步核对了保单和出险信息，接下来需要您准备理赔材料。",
            "受理后请尽快准备材料，材料齐全后即进入审核。",
            "请按材料清单准备理赔材料，可线上上传、邮寄或到柜面递交。",
            "您的理赔案件（报案号{report_no}）已受理。请按材料清单准备理赔材料，"
            "可线上上传、邮寄或到柜面递交，材料齐全后我们会尽快审核。",
        ),
        StageInfo(
            Stage.awaiting_materials,
            "待补充材料",
            "审核还缺少部分材料，我们已把需要补充的材料一次性列出，材料齐全后会立即开始审核。",
            "取决于材料提交的时间，材料齐全后即进入审核。",
            "请补充以下材料：{missing}。可线上上传、邮寄或到柜面递交。",
            "您的理赔案件（报案号{report_no}）还需要补充以下材料：{missing}。"
            "请通过线上上传、邮寄或柜面递交，材料齐全后我们会立即开始审核。",
        ),
        StageInfo(
            Stage.under_review,
            "材料审核中",
            "我们正在审核您提交的材料是否齐全、真实、有效。如需补充，会一次性通知您。",
            "通常需要几个工作日，具体以案件情况为准。",
            "暂时不需要您做什么，审核有结果后我们会第一时间通知您。",
            "您的理赔案件（报案号{report_no}）材料已收到，正在审核中。如需补充材料，"
            "我们会一次性通知您，请耐心等待。",
        ),
        StageInfo(
            Stage.investigating,
            "调查核实中",
            "案件需要进一步查勘或调查核实（例如现场查勘、走访了解情况），这是理赔的正常环节。",
            "视案件情况而定，情况复杂的可能需要更长时间，我们会及时告知进展。",
            "请保持电话畅通，查勘人员可能会与您联系或上门查勘。",
            "您的理赔案件（报案号{report_no}）正在调查核实中，查勘人员可能会与您联系，"
            "请保持电话畅通。",
        ),
        StageInfo(
            Stage.adjusting,
            "理算核赔中",
            "我们正在根据保险合同约定和核定的损失计算赔款金额，并进行逐级审核。",
            "依照《保险法》，材料齐全后我们会及时核定；情形复杂的，一般在30日内作出核定，"
            "合同另有约定的从其约定。",
            "暂时不需要您做什么，核定结果出来后我们会通知您赔付金额和明细。",
            "您的理赔案件（报案号{report_no}）正在计算赔款并进行审核，结果出来后我们会第一时间通知您。",
        ),
        StageInfo(
            Stage.approved,
            "已核定待支付",
            "理赔结论已经确定，赔款将支付到您提供的银行账户。",
            "依照《保险法》，在达成赔偿协议后10日内支付赔款。",
            "请确认收款银行账户信息无误，赔款支付后我们会通知您。",
            "您的理赔案件（报案号{report_no}）已核定，赔款将支付到您提供的银行账户，支付后会再通知您。",
        ),
        StageInfo(
            Stage.paid,
            "已赔付",
            "赔款已经支付到您的银行账户，具体到账时间以银行处理为准。",
            "已完成。",
            "请留意银行账户到账情况，如有疑问可以随时联系我们。",
            "您的理赔案件（报案号{report_no}）赔款{amount}元已支付至尾号{bank_account_tail}的银行账户，"
            "到账时间以银行处理为准，请留意查收。",
        ),
        StageInfo(
            Stage.rejected,
            "不予赔付",
            "经审核，本次事故不属于保险责任范围。我们会出具书面通知，写明原因和所依据的条款。",
            "已结案；如有异议，可按通知中的途径申请复核。",
            "如对结论有异议，可以按照通知中的申诉途径申请复核，或联系人工客服。",
            "很抱歉，您的理赔案件（报案号{report_no}）经审核不予赔付。原因：{reason}；"
            "依据：{clause}。{appeal}",
        ),
        StageInfo(
            Stage.withdrawn,
            "已撤案",
            "本案已撤销，不再继续处理。",
            "已结案。",
            "如需重新报案，可以随时联系我们。",
            "您的理赔案件（报案号{report_no}）已撤销。如需重新报案或有其他问题，可以随时联系我们。",
        ),
    )
}

DEFAULT_APPEAL_ZH = (
    "如对结论有异议，可以在收到通知后提交补充材料申请复核，或联系人工客服申请复议；"
    "也可以向国家金融监督管理总局当地派出机构反映。"
)


# Legal moves. `rejected -> under_review` re-opens a claim after an appeal (申诉复核).
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.reported: frozenset({Stage.accepted, Stage.rejected, Stage.withdrawn}),
    Stage.accepted: frozenset(
        {
            Stage.awaiting_materials,
            Stage.under_review,
            Stage.investigating,
            Stage.rejected,
            Stage.withdrawn,
        }
    ),
    Stage.awaiting_materials: frozenset(
        {Stage.awaiting_materials, Stage.under_review, Stage.withdrawn}
    ),
    Stage.under_review: frozenset(
        {
            Stage.awaiting_materials,
            Stage.investigating,
            Stage.adjusting,
            Stage.rejected,
            Stage.withdrawn,
        }
    ),
    Stage.investigating: frozenset(
        {Stage.awaiting_materials, Stage.adjusting, Stage.rejected, Stage.withdrawn}
    ),
    Stage.adjusting: frozenset(
        {Stage.awaiting_materials, Stage.investigating, Stage.approved, Stage.rejected}
    ),
    Stage.approved: frozenset({Stage.paid}),
    Stage.paid: frozenset(),
    Stage.rejected: frozenset({Stage.under_review}),
    Stage.withdrawn: frozenset(),
}

TERMINAL_STAGES: frozenset[Stage] = frozenset(s for s, moves in TRANSITIONS.items() if not moves)
# Stages that carry data of their own and so are entered only through their endpoint.
DEDICATED_ENDPOINT: dict[Stage, str] = {
    Stage.awaiting_materials: "/claims/{report_no}/material-requests",
    Stage.paid: "/claims/{report_no}/payout",
    Stage.rejected: "/claims/{report_no}/rejection",
}


def info(stage: Stage | str) -> StageInfo:
    """Wording of a stage."""
    return STAGES[Stage(stage)]


def label(stage: Stage | str) -> str:
    """The short Chinese label of a stage."""
    return info(stage).label_zh


def legal_moves(stage: Stage | str) -> list[Stage]:
    """Stages a claim may move to from `stage`, in a stable order."""
    order = list(Stage)
    return sorted(TRANSITIONS[Stage(stage)], key=order.index)


def can_move(from_stage: Stage | str, to_stage: Stage | str) -> bool:
    """Whether the state machine allows the move."""
    return Stage(to_stage) in TRANSITIONS[Stage(from_stage)]


def path_to(target: Stage | str, start: Stage = Stage.reported) -> list[Stage]:
    """Shortest legal path from `start` to `target` (both included).

    Used to give demo claims a plausible stage history.
    """
    target = Stage(target)
    previous: dict[Stage, Stage | None] = {start: None}
    queue: deque[Stage] = deque([start])
    while queue:
        current = queue.popleft()
        if current == target:
            break
        for nxt in legal_moves(current):
            if nxt not in previous:
                previous[nxt] = current
                queue.append(nxt)
    if target not in previous:
        raise ValueError(f"{target.value} cannot be reached from {start.value}")
    path: list[Stage] = []
    node: Stage | None = target
    while node is not None:
        path.append(node)
        node = previous[node]
    return list(reversed(path))

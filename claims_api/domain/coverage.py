"""First-view coverage check: is the incident inside the policy period, and does the
policy's line cover this kind of claim?

Line rules (our call, see claims_api/README.md):
- vehicle line covers `vehicle`; `injury` too when the policy has 车上人员责任险 (the
  insured car's occupants).
- injury (accident) line covers `injury`; `medical` too when it has an 意外医疗 coverage
  (medical costs of an accident).
- medical line covers `medical`; property line covers `property`.
This is a first view only; the final decision is the claim review's.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from claims_api.domain.materials import CLAIM_TYPE_LABELS, ClaimType

SHANGHAI = ZoneInfo("Asia/Shanghai")


class CoverageReason(str, enum.Enum):
    """Why a claim is not covered on a first view."""

    expired = "expired"
    cancelled = "cancelled"
    not_yet_in_force = "not_yet_in_force"
    line_mismatch = "line_mismatch"


LINE_LABELS: dict[str, str] = {
    "vehicle": "机动车辆保险",
    "injury": "意外伤害保险",
    "medical": "医疗保险",
    "property": "财产保险",
}

# Coverage names that extend a line to another claim type.
LINE_EXTENSIONS: dict[str, tuple[tuple[ClaimType, str], ...]] = {
    "vehicle": ((ClaimType.injury, "车上人员责任险"),),
    "injury": ((ClaimType.medical, "意外医疗"),),
    "medical": (),
    "property": (),
}


@dataclass(frozen=True)
class PolicyTerms:
    """The parts of a policy the check needs (kept free of ORM types)."""

    product: str
    line: str
    status: str
    start_date: date
    end_date: date
    coverages: tuple[str, ...]


@dataclass(frozen=True)
class CoverageResult:
    """Outcome of the check, with a tactful explanation for the customer."""

    covered: bool
    in_force: bool
    line_covers: bool
    reason: CoverageReason | None
    explanation_zh: str


def zh_date(day: date) -> str:
    """2026年3月1日 — how dates are written to customers."""
    return f"{day.year}年{day.month}月{day.day}日"


def zh_datetime(moment: datetime) -> str:
    """2026年3月1日 15:30, in Asia/Shanghai."""
    local = moment.astimezone(SHANGHAI)
    return f"{zh_date(local.date())} {local:%H:%M}"


def line_covers(terms: PolicyTerms, claim_type: ClaimType | str) -> bool:
    """Whether the policy's line (with its coverages) covers this claim type."""
    wanted = ClaimType(claim_type)
    if terms.line == wanted.value:
        return True
    for extra_type, coverage_name in LINE_EXTENSIONS.get(terms.line, ()):
        if extra_type == wanted and any(coverage_name in c for c in terms.coverages):
            return True
    return False


def check(terms: PolicyTerms, incident_time: datetime, claim_type: ClaimType | str) -> CoverageResult:
    """Check the policy period (whole days, Asia/Shanghai, both ends included) and line."""
    incident_day = incident_time.astimezone(SHANGHAI).date()
    period = f"{zh_date(terms.start_date)}至{zh_date(terms.end_date)}"
    when = zh_datetime(incident_time)
    covers = line_covers(terms, claim_type)
    other_policy = "如果您还有其他有效保单，可以告诉我们保单号，我们再帮您核对。"

    reason: CoverageReason | None = None
    if terms.status == "cancelled":
        reason = CoverageReason.cancelled
        text = (
            "经核对，您的这张保单目前处于已退保（合同已解除）状态，暂时无法按这张保单受理理赔。"
            "如果您对保单状态有疑问，我们可以为您转人工客服进一步核实。"
        )
    elif incident_day < terms.start_date:
        reason = CoverageReason.not_yet_in_force
        text = (
            f"您的保单保险期间为{period}，出险时间（{when}）在保单生效之前，"
            f"不在保险期间内，因此这次事故暂时不在这张保单的保障范围内。{other_policy}"
        )
    elif incident_day > terms.end_date:
        reason = CoverageReason.expired
        text = (
            f"您的保单保险期间为{period}，出险时间（{when}）不在保险期间内"
            f"（保单已于{zh_date(terms.end_date)}到期），因此这次事故不在这张保单的保障范围内。"
            f"{other_policy}"
        )
    elif not covers:
        reason = CoverageReason.line_mismatch
        line_label = LINE_LABELS.get(terms.line, terms.line)
        coverages = "、".join(terms.coverages) or "无"
        text = (
            f"您的这张保单是“{terms.product}”，属于{line_label}，保障项目为{coverages}；"
            f"您这次报的{CLAIM_TYPE_LABELS[ClaimType(claim_type)]}不在这张保单的保障范围内。"
            f"{other_policy}"
        )
    else:
        text = (
            f"经初步核对，出险时间在保单保险期间（{period}）内，且属于这张保单的保障类型。"
            "最终是否赔付及赔付金额，以理赔审核结果为准。"
        )
    in_force = reason not in (
        CoverageReason.cancelled,
        CoverageReason.not_yet_in_force,
        CoverageReason.expired,
    )
    return CoverageResult(
        covered=reason is None,
        in_force=in_force,
        line_covers=covers,
        reason=reason,
        explanation_zh=text,
    )

"""Request and response models (pydantic 2), named like the FastAPI template:
`XCreate` in, `XPublic` out. Customer-facing fields end in `_zh`.

All timestamps are serialised in Asia/Shanghai with their +08:00 offset.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from claims_api import models
from claims_api.domain import materials as materials_domain
from claims_api.domain import stages as stages_domain
from claims_api.domain.coverage import CoverageReason
from claims_api.domain.masking import mask_name, mask_phone
from claims_api.domain.materials import ClaimType
from claims_api.domain.stages import Stage

SHANGHAI = ZoneInfo("Asia/Shanghai")
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- reusable field types -----------------------------------------------------------------


def _clean_text(value: str) -> str:
    """Strip, and refuse characters no database or log should see (NUL, lone surrogates)."""
    if _SURROGATES.search(value):
        raise ValueError("text contains invalid unicode (lone surrogate)")
    if _CONTROL.search(value):
        raise ValueError("text contains control characters")
    value = value.strip()
    if not value:
        raise ValueError("text must not be blank")
    return value


Text = Annotated[
    str,
    Field(min_length=1, pattern=r"\S", description="不能为空白"),
    AfterValidator(_clean_text),
]


def _to_shanghai(value: datetime) -> datetime:
    """Naive times are taken as Asia/Shanghai; aware ones are converted to it."""
    if not 1970 <= value.year <= 2200:
        raise ValueError("timestamp out of range (years 1970-2200)")
    if value.tzinfo is None:
        return value.replace(tzinfo=SHANGHAI)
    try:
        return value.astimezone(SHANGHAI)
    except (OverflowError, ValueError) as exc:  # pragma: no cover - guarded by the range
        raise ValueError("timestamp out of range") from exc


ShanghaiDatetime = Annotated[
    datetime,
    AfterValidator(_to_shanghai),
    PlainSerializer(lambda d: d.astimezone(SHANGHAI).isoformat(), return_type=str),
]


def _normalise_number(value: Any) -> Any:
    """Policy and report numbers: upper-case, no spaces (contract §3)."""
    if isinstance(value, str):
        return re.sub(r"\s+", "", value).upper()
    return value


PolicyNo = Annotated[
    str,
    BeforeValidator(_normalise_number),
    Field(pattern=r"^[A-Z0-9]{6,40}$", description="保单号，大写、无空格"),
]


def _normalise_phone(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"[\s-]", "", value).removeprefix("+86")
    return value


Phone = Annotated[
    str,
    BeforeValidator(_normalise_phone),
    Field(pattern=r"^1[3-9]\d{9}$", description="11位中国大陆手机号", examples=["13812345678"]),
]


def _valid_id_number(value: str) -> str:
    """18-character resident ID with a valid GB 11643 check digit and birth date."""
    try:
        return ric.validate(value.strip().upper())
    except StdnumError as exc:
        raise ValueError(
            "not a valid 18-character PRC resident ID number (check digit or birth date wrong)"
        ) from exc


IdNumber = Annotated[
    str,
    Field(min_length=15, max_length=20, description="18位居民身份证号"),
    AfterValidator(_valid_id_number),
]


def _normalise_plate(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"[\s·.\-]", "", value).upper()
    return value


PlateNumber = Annotated[
    str,
    BeforeValidator(_normalise_plate),
    Field(
        pattern=r"^[\u4e00-\u9fa5][A-Z][A-Z0-9]{4,5}[A-Z0-9\u4e00-\u9fa5]$",
        description="车牌号，去掉分隔符并大写，如 京A12345、粤BD12345",
    ),
]
Actor = Annotated[Text, Field(max_length=100, description="操作人（工号或姓名）")]
Amount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2, description="金额（元）")]


def cents_to_yuan(cents: int | None) -> float | None:
    """Integer cents → yuan as a JSON number."""
    return None if cents is None else round(cents / 100, 2)


# --- errors -------------------------------------------------------------------------------


class ErrorOut(BaseModel):
    """Error body: `detail` for developers, `message_zh` for the customer when relayed."""

    detail: str
    message_zh: str | None = None


class LockedOut(ErrorOut):
    retry_after_seconds: int


class TransitionConflictOut(ErrorOut):
    current_stage: Stage
    legal_moves: list[Stage]


# --- health -------------------------------------------------------------------------------


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unavailable"]
    redis: Literal["ok", "unavailable"]


# --- policies -----------------------------------------------------------------------------


class PolicyPublic(BaseModel):
    """A policy. For the bot scope names and phone are masked (王*国, 138****5678)."""

    policy_no: str
    product: str
    line: ClaimType
    status: Literal["active", "expired", "cancelled"]
    start_date: date
    end_date: date
    holder_name: str
    insured_name: str
    phone: str
    plate_number: str | None = None
    vehicle: str | None = None
    coverages: list[str]

    @classmethod
    def build(cls, policy: models.Policy, *, masked: bool, today: date) -> "PolicyPublic":
        """Masked for the bot; the status is recomputed so an ended policy shows expired."""
        status = policy.status
        if status != "cancelled" and policy.end_date < today:
            status = "expired"
        return cls(
            policy_no=policy.policy_no,
            product=policy.product,
            line=ClaimType(policy.line),
            status=status,  # type: ignore[arg-type]
            start_date=policy.start_date,
            end_date=policy.end_date,
            holder_name=mask_name(policy.holder_name) if masked else policy.holder_name,  # type: ignore[arg-type]
            insured_name=mask_name(policy.insured_name) if masked else policy.insured_name,  # type: ignore[arg-type]
            phone=mask_phone(policy.phone) if masked else policy.phone,  # type: ignore[arg-type]
            plate_number=policy.plate_number,
            vehicle=policy.vehicle,
            coverages=list(policy.coverages or []),
        )


class IdentityCheckRequest(BaseModel):
    """At least one field; every given field must match the policy's insured."""

    model_config = ConfigDict(extra="forbid")

    insured_name: Annotated[Text, Field(max_length=50)] | None = None
    id_number: Annotated[Text, Field(max_length=20)] | None = None
    phone: Annotated[Text, Field(max_length=20)] | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> "IdentityCheckRequest":
        if not (self.insured_name or self.id_number or self.phone):
            raise ValueError("give at least one of insured_name, id_number, phone")
        return self


class IdentityCheckResult(BaseModel):
    match: bool = Field(description="所有给出的信息都与保单一致时为 true；不会说明哪一项不一致")


class CoverageCheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    incident_time: ShanghaiDatetime = Field(description="出险时间，ISO 8601，带时区（无时区按北京时间）")
    claim_type: ClaimType


class CoverageCheckResult(BaseModel):
    covered: bool
    in_force: bool
    line_covers: bool
    reason: CoverageReason | None
    explanation_zh: str | None


# --- materials and stages -----------------------------------------------------------------


class MaterialItemOut(BaseModel):
    code: str
    name: str
    what: str
    where_to_get: str
    required_when: str | None = Field(description="为空表示此类案件都需要；否则写明何种情况下需要")


class SubmissionMethodOut(BaseModel):
    code: str
    name: str
    how: str


class MaterialChecklist(BaseModel):
    claim_type: ClaimType
    label_zh: str
    items: list[MaterialItemOut]
    submission_methods: list[SubmissionMethodOut]

    @classmethod
    def build(cls, claim_type: ClaimType | str) -> "MaterialChecklist":
        ct = ClaimType(claim_type)
        return cls(
            claim_type=ct,
            label_zh=materials_domain.CLAIM_TYPE_LABELS[ct],
            items=[MaterialItemOut(**vars(i)) for i in materials_domain.checklist(ct)],
            submission_methods=[
                SubmissionMethodOut(**vars(m)) for m in materials_domain.SUBMISSION_METHODS
            ],
        )


class MaterialCatalogue(BaseModel):
    claim_types: list[MaterialChecklist]


class StageOut(BaseModel):
    stage: Stage
    label_zh: str
    explanation_zh: str
    typical_duration_zh: str
    legal_next_stages: list[Stage] = Field(description="状态机允许的下一阶段")


# --- claims -------------------------------------------------------------------------------


class ClaimCreate(BaseModel):
    """A new claim report (报案). Everything is re-validated against the policy."""

    model_config = ConfigDict(extra="forbid")

    policy_no: PolicyNo
    claim_type: ClaimType
    insured_name: Annotated[Text, Field(max_length=50, description="被保险人姓名")]
    insured_id_number: IdNumber | None = None
    incident_time: ShanghaiDatetime = Field(description="出险时间，ISO 8601 带时区")
    incident_place: Annotated[Text, Field(max_length=200, description="出险地点")]
    cause: Annotated[Text, Field(max_length=200, description="出险原因")]
    description: Annotated[Text, Field(max_length=4000, description="事故经过")]
    loss: Annotated[Text, Field(max_length=2000, description="损失情况")]
    casualties: bool = Field(description="是否有人员伤亡")
    casualty_details: Annotated[Text, Field(max_length=2000)] | None = None
    contact_phone: Phone
    plate_number: PlateNumber | None = Field(
        default=None, description="车牌号，仅车险；不填时取保单上的车牌"
    )
    hospital: Annotated[Text, Field(max_length=200)] | None = None
    channel: Annotated[str, Field(pattern=r"^[a-z0-9_\-]{1,40}$", description="rest / socketio / wechat …")]
    conversation_id: Annotated[Text, Field(max_length=200)] | None = None


class ClaimFiled(BaseModel):
    report_no: str
    stage: Stage
    stage_label_zh: str
    next_steps_zh: list[str]
    materials: MaterialChecklist
    created_at: ShanghaiDatetime


class ClaimEventOut(BaseModel):
    kind: str
    from_stage: Stage | None
    to_stage: Stage
    actor: str
    reason: str | None
    created_at: ShanghaiDatetime


def _materials(claim: models.Claim, status: str) -> list[str]:
    return [m.name for m in claim.materials if m.status == status]


class ClaimPublic(BaseModel):
    """A claim as staff see it (contract §4 fields and more)."""

    report_no: str
    policy_no: str
    claim_type: ClaimType
    stage: Stage
    stage_label_zh: str
    incident_time: ShanghaiDatetime
    incident_place: str
    cause: str
    description: str
    loss: str
    casualties: bool
    casualty_details: str | None
    insured_name: str
    contact_phone: str
    plate_number: str | None
    hospital: str | None
    channel: str
    conversation_id: str | None
    materials_received: list[str]
    materials_missing: list[str]
    estimated_amount: float | None
    paid_amount: float | None
    paid_at: ShanghaiDatetime | None
    bank_account_tail: str | None
    rejection_reason: str | None
    rejection_clause: str | None
    appeal_zh: str | None
    note: str | None
    created_at: ShanghaiDatetime
    updated_at: ShanghaiDatetime

    @classmethod
    def build(cls, claim: models.Claim) -> "ClaimPublic":
        return cls(**_claim_fields(claim))


def _claim_fields(claim: models.Claim) -> dict[str, Any]:
    return {
        "report_no": claim.report_no,
        "policy_no": claim.policy.policy_no,
        "claim_type": claim.claim_type,
        "stage": claim.stage,
        "stage_label_zh": stages_domain.label(claim.stage),
        "incident_time": claim.incident_time,
        "incident_place": claim.incident_place,
        "cause": claim.cause,
        "description": claim.description,
        "loss": claim.loss,
        "casualties": claim.casualties,
        "casualty_details": claim.casualty_details,
        "insured_name": claim.insured_name,
        "contact_phone": claim.contact_phone,
        "plate_number": claim.plate_number if claim.claim_type == "vehicle" else None,
        "hospital": claim.hospital,
        "channel": claim.channel,
        "conversation_id": claim.conversation_id,
        "materials_received": _materials(claim, "received"),
        "materials_missing": _materials(claim, "missing"),
        "estimated_amount": cents_to_yuan(claim.estimated_amount_cents),
        "paid_amount": cents_to_yuan(claim.paid_amount_cents),
        "paid_at": claim.paid_at,
        "bank_account_tail": claim.bank_account_tail,
        "rejection_reason": claim.rejection_reason,
        "rejection_clause": claim.rejection_clause,
        "appeal_zh": claim.appeal_zh,
        "note": claim.note,
        "created_at": claim.created_at,
        "updated_at": claim.updated_at,
    }


class ClaimDetail(ClaimPublic):
    """A claim with its stage history."""

    events: list[ClaimEventOut]

    @classmethod
    def build(cls, claim: models.Claim) -> "ClaimDetail":  # type: ignore[override]
        return cls(
            **_claim_fields(claim),
            events=[
                ClaimEventOut(
                    kind=e.kind,
                    from_stage=e.from_stage,  # type: ignore[arg-type]
                    to_stage=e.to_stage,  # type: ignore[arg-type]
                    actor=e.actor,
                    reason=e.reason,
                    created_at=e.created_at,
                )
                for e in claim.events
            ],
        )


class StatusLookupRequest(BaseModel):
    """One number (report_no or policy_no) and one verification (phone_last4 or id_last6)."""

    model_config = ConfigDict(extra="forbid")

    report_no: Annotated[
        str, BeforeValidator(_normalise_number), Field(pattern=r"^[A-Z0-9]{1,40}$", description="报案号")
    ] | None = None
    policy_no: Annotated[
        str, BeforeValidator(_normalise_number), Field(pattern=r"^[A-Z0-9]{1,40}$", description="保单号")
    ] | None = None
    phone_last4: Annotated[str, Field(pattern=r"^\d{4}$", description="手机号后4位")] | None = None
    id_last6: Annotated[
        str, BeforeValidator(_normalise_number), Field(pattern=r"^\d{5}[\dX]$", description="身份证后6位")
    ] | None = None

    @model_validator(mode="after")
    def _one_of_each(self) -> "StatusLookupRequest":
        if not (self.report_no or self.policy_no):
            raise ValueError("give report_no or policy_no")
        if not (self.phone_last4 or self.id_last6):
            raise ValueError("give phone_last4 or id_last6 to verify")
        return self


class ClaimStatus(BaseModel):
    """What the customer may hear about a claim after verification."""

    report_no: str
    policy_no: str
    claim_type: ClaimType
    stage: Stage
    stage_label_zh: str
    stage_explanation_zh: str
    typical_duration_zh: str
    next_step_zh: str
    incident_time: ShanghaiDatetime
    incident_place: str
    reported_at: ShanghaiDatetime
    materials_received: list[str]
    materials_missing: list[str]
    estimated_amount: float | None = None
    paid_amount: float | None = None
    paid_at: ShanghaiDatetime | None = None
    bank_account_tail: str | None = None
    rejection_reason: str | None = None
    rejection_clause: str | None = None
    appeal_zh: str | None = None
    note: str | None = None


class StatusLookupResult(BaseModel):
    claims: list[ClaimStatus]


class TransitionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_stage: Stage
    reason: Annotated[Text, Field(max_length=1000, description="变更原因（内部记录）")]
    actor: Actor
    note: Annotated[Text, Field(max_length=1000)] | None = Field(
        default=None, description="给客户看的备注（可选），如“已安排查勘员3个工作日内联系您”"
    )
    estimated_amount: Amount | None = Field(default=None, description="预估赔款（可选）")


class MaterialRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Annotated[Text, Field(max_length=100)]] = Field(
        min_length=1, max_length=30, description="材料目录中的 code 或名称，也可以是自定义名称"
    )
    actor: Actor
    reason: Annotated[Text, Field(max_length=1000)] | None = None


class MaterialsReceivedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Annotated[Text, Field(max_length=100)]] = Field(min_length=1, max_length=30)
    actor: Actor


class PayoutCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Amount
    bank_account_tail: Annotated[str, Field(pattern=r"^\d{4}$", description="收款账户后4位")]
    actor: Actor
    reason: Annotated[Text, Field(max_length=1000)] | None = None


class RejectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Text, Field(max_length=1000, description="拒赔原因（会告知客户）")]
    clause: Annotated[Text, Field(max_length=500, description="依据的条款或法律")]
    appeal: Annotated[Text, Field(max_length=1000, description="申诉途径；不填用默认说明")] | None = None
    actor: Actor


# --- complaints and notifications ---------------------------------------------------------


class ComplaintCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: Annotated[Text, Field(max_length=200)]
    summary: Annotated[Text, Field(max_length=4000, description="投诉内容摘要")]
    category: Annotated[Text, Field(max_length=50)] | None = None
    report_no: Annotated[Text, Field(max_length=40)] | None = None
    policy_no: Annotated[Text, Field(max_length=40)] | None = None
    contact_phone: Phone | None = None
    channel: Annotated[str, Field(pattern=r"^[a-z0-9_\-]{1,40}$")] | None = None


class ComplaintCreated(BaseModel):
    complaint_no: str
    created_at: ShanghaiDatetime
    expected_response_zh: str


class ComplaintPublic(BaseModel):
    complaint_no: str
    conversation_id: str
    summary: str
    category: str | None
    report_no: str | None
    policy_no: str | None
    contact_phone: str | None
    channel: str | None
    status: str
    created_at: ShanghaiDatetime


class NotificationPublic(BaseModel):
    id: int
    report_no: str
    stage: Stage
    stage_label_zh: str
    message_zh: str
    channel: str | None
    conversation_id: str | None
    created_at: ShanghaiDatetime
    stream_id: str | None
    published_at: ShanghaiDatetime | None


"""Database operations. Keyword-only functions (as in the FastAPI template), each one
use case; they raise `ApiError` with a clear message when the request cannot be served.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from claims_api import models, notifications, schemas
from claims_api.domain import coverage, materials, numbering, stages
from claims_api.domain.materials import ClaimType
from claims_api.domain.stages import Stage
from claims_api.errors import ApiError

logger = logging.getLogger("claims_api.crud")
SHANGHAI = numbering.SHANGHAI
# Clock skew tolerated between the bot's "now" and ours.
FUTURE_TOLERANCE = timedelta(minutes=5)
NUMBER_RETRIES = 8

POLICY_NOT_FOUND_ZH = "没有查到这个保单号，请您核对一下保单号是否正确。"
CLAIM_NOT_FOUND = "claim not found"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def today_shanghai(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(SHANGHAI).date()


def normalise_number(value: str) -> str:
    """Upper-case, no whitespace (contract §3 value form)."""
    return re.sub(r"\s+", "", value).upper()


def _cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


# --- policies -----------------------------------------------------------------------------


def get_policy(*, session: Session, policy_no: str) -> models.Policy | None:
    return session.scalar(
        select(models.Policy).where(models.Policy.policy_no == normalise_number(policy_no))
    )


def require_policy(*, session: Session, policy_no: str) -> models.Policy:
    policy = get_policy(session=session, policy_no=policy_no)
    if policy is None:
        raise ApiError(404, "policy not found", POLICY_NOT_FOUND_ZH)
    return policy


def policy_terms(policy: models.Policy) -> coverage.PolicyTerms:
    return coverage.PolicyTerms(
        product=policy.product,
        line=policy.line,
        status=policy.status,
        start_date=policy.start_date,
        end_date=policy.end_date,
        coverages=tuple(policy.coverages or ()),
    )


def _same_name(a: str, b: str) -> bool:
    return re.sub(r"\s+", "", a) == re.sub(r"\s+", "", b)


def identity_matches(
    *,
    policy: models.Policy,
    insured_name: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
) -> bool:
    """True only if every given field matches the insured; says nothing about which."""
    checks: list[bool] = []
    if insured_name is not None:
        checks.append(_same_name(insured_name, policy.insured_name))
    if id_number is not None:
        checks.append(id_number.strip().upper() == policy.insured_id_number.upper())
    if phone is not None:
        digits = re.sub(r"\D", "", phone)
        if digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        checks.append(digits == policy.phone)
    return bool(checks) and all(checks)


def check_not_future(incident_time: datetime, now: datetime | None = None) -> None:
    if incident_time > (now or utcnow()) + FUTURE_TOLERANCE:
        raise ApiError(
            422,
            "incident_time is in the future",
            "出险时间晚于当前时间，请您核对一下出险的日期和时间。",
        )


def check_coverage(
    *, policy: models.Policy, incident_time: datetime, claim_type: ClaimType
) -> coverage.CoverageResult:
    return coverage.check(policy_terms(policy), incident_time, claim_type)


# --- claims: filing -----------------------------------------------------------------------


def request_hash(claim_in: schemas.ClaimCreate) -> str:
    """Fingerprint of the normalised body, to tell a retry from a different claim."""
    canonical = json.dumps(claim_in.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(session: Session, key: str, fingerprint: str) -> schemas.ClaimFiled | None:
    """The stored answer of a key already used, or 409 if it was used for another body."""
    row = session.scalar(select(models.IdempotencyKey).where(models.IdempotencyKey.key == key))
    if row is None or row.response_json is None:
        return None
    if row.request_hash != fingerprint:
        raise ApiError(
            409,
            "Idempotency-Key was already used with a different request body",
            "这次提交的报案信息与之前不一致，请重新发起报案。",
        )
    return schemas.ClaimFiled.model_validate_json(row.response_json)


def validate_claim(*, session: Session, claim_in: schemas.ClaimCreate, now: datetime) -> models.Policy:
    """Re-check everything the bot checked: the API never trusts its caller."""
    check_not_future(claim_in.incident_time, now)
    policy = get_policy(session=session, policy_no=claim_in.policy_no)
    if policy is None:
        raise ApiError(422, "policy_no not found", POLICY_NOT_FOUND_ZH)
    if not identity_matches(
        policy=policy, insured_name=claim_in.insured_name, id_number=claim_in.insured_id_number
    ):
        raise ApiError(
            422,
            "the insured's details do not match the policy",
            "您提供的被保险人信息与保单记录不一致，请核对后再提交，或转人工客服为您处理。",
        )
    result = check_coverage(policy=policy, incident_time=claim_in.incident_time, claim_type=claim_in.claim_type)
    if not result.covered:
        raise ApiError(
            422,
            f"the claim is not covered by the policy ({result.reason.value if result.reason else 'unknown'})",
            result.explanation_zh,
            reason=result.reason.value if result.reason else None,
        )
    if (
        claim_in.claim_type == ClaimType.vehicle
        and claim_in.plate_number
        and policy.plate_number
        and claim_in.plate_number != policy.plate_number
    ):
        raise ApiError(
            422,
            "plate_number does not match the insured vehicle of the policy",
            "您提供的车牌号与保单上的承保车辆不一致，请核对车牌号。",
        )
    return policy


def next_steps_zh(claim_in: schemas.ClaimCreate) -> list[str]:
    """What the customer should do now, in order."""
    steps = [stages.info(Stage.reported).next_step_zh]
    if claim_in.casualties:
        steps.append("如有人员受伤，请先确保伤者及时就医，并保留好病历和医疗费用票据。")
    if claim_in.claim_type == ClaimType.vehicle:
        steps.append("车辆需要定损的，请在定损完成前不要自行修理，查勘定损人员会与您约定时间。")
    elif claim_in.claim_type == ClaimType.property:
        steps.append("请保护好现场并拍照留存，同时采取必要措施防止损失扩大。")
    steps.append("请按下面的材料清单准备材料，可以线上上传、邮寄或到柜面递交。")
    steps.append("您可以随时凭报案号查询理赔进度。")
    return steps


def _next_report_no(session: Session, now: datetime, reserved: Iterable[str]) -> str:
    day = numbering.local_day(now)
    head = numbering.day_prefix(numbering.REPORT_PREFIX, day)
    highest = session.scalar(
        select(func.max(models.Claim.report_no)).where(models.Claim.report_no.like(f"{head}%"))
    )
    return numbering.next_number(
        numbering.REPORT_PREFIX, day, [highest] if highest else [], reserved
    )


def create_claim(
    *,
    session: Session,
    claim_in: schemas.ClaimCreate,
    idempotency_key: str,
    reserved_report_nos: Iterable[str] = (),
    now: datetime | None = None,
) -> tuple[schemas.ClaimFiled, bool]:
    """File a claim once per idempotency key. Returns (answer, created).

    The unique constraint on the key decides races: the loser's INSERT fails with
    IntegrityError (on SQLite and PostgreSQL alike) and it answers with the winner's claim.
    Report-number races are retried the same way.
    """
    now = now or utcnow()
    fingerprint = request_hash(claim_in)
    replay = _replay(session, idempotency_key, fingerprint)
    if replay is not None:
        return replay, False
    reserved = frozenset(reserved_report_nos)
    validate_claim(session=session, claim_in=claim_in, now=now)

    for _attempt in range(NUMBER_RETRIES):
        key_row = models.IdempotencyKey(key=idempotency_key, request_hash=fingerprint, created_at=now)
        session.add(key_row)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            replay = _replay(session, idempotency_key, fingerprint)
            if replay is not None:
                return replay, False
            continue
        try:
            policy = get_policy(session=session, policy_no=claim_in.policy_no)
            assert policy is not None  # validated above, policies are never deleted
            claim = models.Claim(
                report_no=_next_report_no(session, now, reserved),
                policy_id=policy.id,
                claim_type=claim_in.claim_type.value,
                stage=Stage.reported.value,
                incident_time=claim_in.incident_time,
                incident_place=claim_in.incident_place,
                cause=claim_in.cause,
                description=claim_in.description,
                loss=claim_in.loss,
                casualties=claim_in.casualties,
                casualty_details=claim_in.casualty_details,
                insured_name=claim_in.insured_name,
                insured_id_number=claim_in.insured_id_number,
                contact_phone=claim_in.contact_phone,
                plate_number=(claim_in.plate_number or policy.plate_number)
                if claim_in.claim_type == ClaimType.vehicle
                else None,
                hospital=claim_in.hospital,
                channel=claim_in.channel,
                conversation_id=claim_in.conversation_id,
                created_at=now,
                updated_at=now,
            )
            session.add(claim)
            session.flush()
        except IntegrityError:
            session.rollback()
            continue
        session.add(
            models.ClaimEvent(
                claim_id=claim.id,
                kind="reported",
                from_stage=None,
                to_stage=Stage.reported.value,
                actor=f"customer via {claim_in.channel}",
                reason="客户报案",
                created_at=now,
            )
        )
        filed = schemas.ClaimFiled(
            report_no=claim.report_no,
            stage=Stage.reported,
            stage_label_zh=stages.label(Stage.reported),
            next_steps_zh=next_steps_zh(claim_in),
            materials=schemas.MaterialChecklist.build(claim_in.claim_type),
            created_at=now,
        )
        key_row.claim_id = claim.id
        key_row.response_json = filed.model_dump_json()
        session.commit()
        logger.info("claim filed report_no=%s policy_no=%s type=%s", claim.report_no, policy.policy_no, claim.claim_type)
        return filed, True
    raise ApiError(409, "could not allocate a report number; please retry", "系统正忙，请稍后再试。")


# --- claims: reading ----------------------------------------------------------------------


def _claim_query():  # type: ignore[no-untyped-def]
    return select(models.Claim).options(
        selectinload(models.Claim.materials), selectinload(models.Claim.events)
    )


def get_claim(*, session: Session, report_no: str, for_update: bool = False) -> models.Claim | None:
    stmt = _claim_query().where(models.Claim.report_no == normalise_number(report_no))
    if for_update:
        stmt = stmt.with_for_update(of=models.Claim)
    return session.scalar(stmt)


def require_claim(*, session: Session, report_no: str, for_update: bool = False) -> models.Claim:
    claim = get_claim(session=session, report_no=report_no, for_update=for_update)
    if claim is None:
        raise ApiError(404, CLAIM_NOT_FOUND, "没有查到这个报案号。")
    return claim


def list_claims(
    *, session: Session, policy_no: str | None = None, stage: Stage | None = None, limit: int = 100
) -> list[models.Claim]:
    """Claims newest first, optionally of one policy and/or stage."""
    stmt = _claim_query().join(models.Claim.policy)
    if policy_no is not None:
        stmt = stmt.where(models.Policy.policy_no == normalise_number(policy_no))
    if stage is not None:
        stmt = stmt.where(models.Claim.stage == stage.value)
    stmt = stmt.order_by(models.Claim.created_at.desc(), models.Claim.id.desc()).limit(limit)
    return list(session.scalars(stmt).unique())


def claim_status(claim: models.Claim) -> schemas.ClaimStatus:
    """The customer's view of a claim: stage wording from stages.py, all missing items."""
    public = schemas.ClaimPublic.build(claim)
    info = stages.info(claim.stage)
    return schemas.ClaimStatus(
        report_no=public.report_no,
        policy_no=public.policy_no,
        claim_type=public.claim_type,
        stage=public.stage,
        stage_label_zh=info.label_zh,
        stage_explanation_zh=info.explanation_zh,
        typical_duration_zh=info.typical_duration_zh,
        next_step_zh=next_step_zh(claim),
        incident_time=public.incident_time,
        incident_place=public.incident_place,
        reported_at=public.created_at,
        materials_received=public.materials_received,
        materials_missing=public.materials_missing,
        estimated_amount=public.estimated_amount,
        paid_amount=public.paid_amount,
        paid_at=public.paid_at,
        bank_account_tail=public.bank_account_tail,
        rejection_reason=public.rejection_reason,
        rejection_clause=public.rejection_clause,
        appeal_zh=public.appeal_zh,
        note=public.note,
    )


def next_step_zh(claim: models.Claim) -> str:
    """One sentence: what the customer should do (or expect) next."""
    stage = Stage(claim.stage)
    info = stages.info(stage)
    if stage == Stage.awaiting_materials:
        missing = [m.name for m in claim.materials if m.status == "missing"]
        if not missing:
            return "需要补充的材料已经收齐，我们会尽快开始审核。"
        return info.next_step_zh.format(missing="、".join(missing))
    if stage == Stage.paid and claim.paid_amount_cents is not None:
        when = coverage.zh_date(claim.paid_at.astimezone(SHANGHAI).date()) if claim.paid_at else ""
        return (
            f"赔款{claim.paid_amount_cents / 100:.2f}元已于{when}支付至尾号{claim.bank_account_tail or '****'}"
            "的银行账户，到账时间以银行处理为准。如有疑问可以随时联系我们。"
        )
    if stage == Stage.rejected:
        return claim.appeal_zh or stages.DEFAULT_APPEAL_ZH
    return info.next_step_zh


def lookup_claims(
    *, session: Session, lookup: schemas.StatusLookupRequest
) -> list[models.Claim] | None:
    """Claims the verification unlocks, newest first; None when the number is unknown or
    the verification fails (the caller cannot tell the two apart)."""
    if lookup.report_no:
        claim = get_claim(session=session, report_no=lookup.report_no)
        if claim is None:
            return None
        if lookup.policy_no and claim.policy.policy_no != lookup.policy_no:
            return None
        phones = {claim.contact_phone[-4:], claim.policy.phone[-4:]}
        if not _verified(lookup, phones, claim.policy.insured_id_number):
            return None
        return [claim]
    policy = get_policy(session=session, policy_no=lookup.policy_no or "")
    if policy is None or not _verified(lookup, {policy.phone[-4:]}, policy.insured_id_number):
        return None
    return list_claims(session=session, policy_no=policy.policy_no)


def _verified(lookup: schemas.StatusLookupRequest, phone_tails: set[str], id_number: str) -> bool:
    checks = []
    if lookup.phone_last4:
        checks.append(lookup.phone_last4 in phone_tails)
    if lookup.id_last6:
        checks.append(lookup.id_last6 == id_number[-6:].upper())
    return bool(checks) and all(checks)


# --- staff: stage changes -----------------------------------------------------------------


def _illegal_move(claim: models.Claim, to_stage: Stage) -> ApiError:
    moves = stages.legal_moves(claim.stage)
    return ApiError(
        409,
        f"illegal stage change {claim.stage} -> {to_stage.value}; legal moves from "
        f"{claim.stage}: {', '.join(m.value for m in moves) or 'none (final stage)'}",
        current_stage=claim.stage,
        legal_moves=[m.value for m in moves],
    )


def _move(
    session: Session,
    claim: models.Claim,
    *,
    to_stage: Stage,
    kind: str,
    actor: str,
    reason: str | None,
    now: datetime,
    message_zh: str,
) -> None:
    """Change the stage, write the event and the notification (caller commits)."""
    from_stage = claim.stage
    claim.stage = to_stage.value
    claim.updated_at = now
    session.add(
        models.ClaimEvent(
            claim_id=claim.id,
            kind=kind,
            from_stage=from_stage,
            to_stage=to_stage.value,
            actor=actor,
            reason=reason,
            created_at=now,
        )
    )
    notifications.record(session, claim=claim, message_zh=message_zh, now=now)
    logger.info("claim %s: %s -> %s by %s", claim.report_no, from_stage, to_stage.value, kind)


def _message(claim: models.Claim, stage: Stage, **values: str) -> str:
    values.setdefault("report_no", claim.report_no)
    return stages.info(stage).message_zh.format(**values)


def transition_claim(
    *, session: Session, report_no: str, change: schemas.TransitionRequest, now: datetime | None = None
) -> models.Claim:
    """A plain stage change; stages that carry data go through their own endpoint."""
    now = now or utcnow()
    if change.to_stage in stages.DEDICATED_ENDPOINT:
        raise ApiError(
            422,
            f"use POST {stages.DEDICATED_ENDPOINT[change.to_stage]} to move a claim to "
            f"{change.to_stage.value} (it needs its own data)",
        )
    claim = require_claim(session=session, report_no=report_no, for_update=True)
    if not stages.can_move(claim.stage, change.to_stage):
        raise _illegal_move(claim, change.to_stage)
    if Stage(claim.stage) == Stage.rejected:
        # Re-opened on appeal: the old conclusion no longer stands (kept in the events).
        claim.rejection_reason = claim.rejection_clause = claim.appeal_zh = None
    if change.note is not None:
        claim.note = change.note
    if change.estimated_amount is not None:
        claim.estimated_amount_cents = _cents(change.estimated_amount)
    message = _message(claim, change.to_stage)
    if change.note:
        message += f"备注：{change.note}"
    _move(
        session,
        claim,
        to_stage=change.to_stage,
        kind="transition",
        actor=change.actor,
        reason=change.reason,
        now=now,
        message_zh=message,
    )
    session.commit()
    return claim


def _resolve_names(claim: models.Claim, items: list[str]) -> list[tuple[str | None, str]]:
    """(code, name) per item: catalogue codes/names resolve, anything else is kept as is."""
    resolved: list[tuple[str | None, str]] = []
    for raw in items:
        item = materials.resolve_item(claim.claim_type, raw)
        pair = (item.code, item.name) if item else (None, raw)
        if pair[1] not in [name for _, name in resolved]:
            resolved.append(pair)
    return resolved


def request_materials(
    *, session: Session, report_no: str, request: schemas.MaterialRequestCreate, now: datetime | None = None
) -> models.Claim:
    """Ask for missing materials; the customer is told every missing item at once."""
    now = now or utcnow()
    claim = require_claim(session=session, report_no=report_no, for_update=True)
    if not stages.can_move(claim.stage, Stage.awaiting_materials):
        raise _illegal_move(claim, Stage.awaiting_materials)
    existing = {m.name: m for m in claim.materials}
    for code, name in _resolve_names(claim, request.items):
        row = existing.get(name)
        if row is None:
            claim.materials.append(
                models.ClaimMaterial(code=code, name=name, status="missing", requested_at=now)
            )
        else:
            row.status, row.requested_at, row.received_at = "missing", now, None
    session.flush()
    missing = [m.name for m in claim.materials if m.status == "missing"]
    reason = "要求补充材料：" + "、".join(missing)
    if request.reason:
        reason += f"（{request.reason}）"
    _move(
        session,
        claim,
        to_stage=Stage.awaiting_materials,
        kind="material_request",
        actor=request.actor,
        reason=reason,
        now=now,
        message_zh=_message(claim, Stage.awaiting_materials, missing="、".join(missing)),
    )
    session.commit()
    return claim


def receive_materials(
    *, session: Session, report_no: str, received: schemas.MaterialsReceivedCreate, now: datetime | None = None
) -> models.Claim:
    """Mark materials as received (no stage change; staff move on when complete)."""
    now = now or utcnow()
    claim = require_claim(session=session, report_no=report_no, for_update=True)
    if Stage(claim.stage) in stages.TERMINAL_STAGES:
        raise ApiError(409, f"claim is closed ({claim.stage}); materials cannot be recorded")
    existing = {m.name: m for m in claim.materials}
    names = []
    for code, name in _resolve_names(claim, received.items):
        names.append(name)
        row = existing.get(name)
        if row is None:
            claim.materials.append(
                models.ClaimMaterial(code=code, name=name, status="received", received_at=now)
            )
        else:
            row.status, row.received_at = "received", now
    claim.updated_at = now
    session.add(
        models.ClaimEvent(
            claim_id=claim.id,
            kind="materials_received",
            from_stage=claim.stage,
            to_stage=claim.stage,
            actor=received.actor,
            reason="已收到材料：" + "、".join(names),
            created_at=now,
        )
    )
    session.commit()
    return claim


def record_payout(
    *, session: Session, report_no: str, payout: schemas.PayoutCreate, now: datetime | None = None
) -> models.Claim:
    now = now or utcnow()
    claim = require_claim(session=session, report_no=report_no, for_update=True)
    if not stages.can_move(claim.stage, Stage.paid):
        raise _illegal_move(claim, Stage.paid)
    claim.paid_amount_cents = _cents(payout.amount)
    claim.paid_at = now
    claim.bank_account_tail = payout.bank_account_tail
    amount = f"{payout.amount:.2f}"
    _move(
        session,
        claim,
        to_stage=Stage.paid,
        kind="payout",
        actor=payout.actor,
        reason=payout.reason or f"赔付{amount}元至尾号{payout.bank_account_tail}账户",
        now=now,
        message_zh=_message(claim, Stage.paid, amount=amount, bank_account_tail=payout.bank_account_tail),
    )
    session.commit()
    return claim


def record_rejection(
    *, session: Session, report_no: str, rejection: schemas.RejectionCreate, now: datetime | None = None
) -> models.Claim:
    now = now or utcnow()
    claim = require_claim(session=session, report_no=report_no, for_update=True)
    if not stages.can_move(claim.stage, Stage.rejected):
        raise _illegal_move(claim, Stage.rejected)
    claim.rejection_reason = rejection.reason
    claim.rejection_clause = rejection.clause
    claim.appeal_zh = rejection.appeal or stages.DEFAULT_APPEAL_ZH
    _move(
        session,
        claim,
        to_stage=Stage.rejected,
        kind="rejection",
        actor=rejection.actor,
        reason=f"{rejection.reason}（依据：{rejection.clause}）",
        now=now,
        message_zh=_message(
            claim,
            Stage.rejected,
            reason=rejection.reason.rstrip("。"),
            clause=rejection.clause.rstrip("。"),
            appeal=claim.appeal_zh,
        ),
    )
    session.commit()
    return claim


def list_notifications(
    *, session: Session, report_no: str | None = None, limit: int = 100
) -> list[models.Notification]:
    stmt = select(models.Notification)
    if report_no:
        stmt = stmt.where(models.Notification.report_no == normalise_number(report_no))
    return list(session.scalars(stmt.order_by(models.Notification.id.desc()).limit(limit)))


# --- complaints ---------------------------------------------------------------------------

EXPECTED_RESPONSE_ZH = (
    "我们已经记录了您的投诉（投诉编号{complaint_no}），会在1个工作日内安排专人与您联系，"
    "请保持电话畅通。给您带来不便，非常抱歉。"
)


def create_complaint(
    *, session: Session, complaint_in: schemas.ComplaintCreate, now: datetime | None = None
) -> models.Complaint:
    now = now or utcnow()
    day = numbering.local_day(now)
    head = numbering.day_prefix(numbering.COMPLAINT_PREFIX, day)
    for _attempt in range(NUMBER_RETRIES):
        highest = session.scalar(
            select(func.max(models.Complaint.complaint_no)).where(
                models.Complaint.complaint_no.like(f"{head}%")
            )
        )
        complaint = models.Complaint(
            complaint_no=numbering.next_number(
                numbering.COMPLAINT_PREFIX, day, [highest] if highest else []
            ),
            conversation_id=complaint_in.conversation_id,
            summary=complaint_in.summary,
            category=complaint_in.category,
            report_no=normalise_number(complaint_in.report_no) if complaint_in.report_no else None,
            policy_no=normalise_number(complaint_in.policy_no) if complaint_in.policy_no else None,
            contact_phone=complaint_in.contact_phone,
            channel=complaint_in.channel,
            status="open",
            created_at=now,
        )
        session.add(complaint)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        logger.info("complaint %s registered", complaint.complaint_no)
        return complaint
    raise ApiError(409, "could not allocate a complaint number; please retry", "系统正忙，请稍后再试。")


def list_complaints(*, session: Session, limit: int = 100) -> list[models.Complaint]:
    stmt = select(models.Complaint).order_by(models.Complaint.id.desc()).limit(limit)
    return list(session.scalars(stmt))

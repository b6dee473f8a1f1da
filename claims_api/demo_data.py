"""Idempotent loader of the demo data set (data/demo/demo_policies.json, contract §5).

Dates in the file are whole days relative to the load day; they are resolved in
Asia/Shanghai so the demo never goes stale. Loading upserts by policy and report number:
reloading never duplicates anything, refreshes the dates, and resets the demo claims to
the file's state (stage, materials, amounts, a fresh synthetic stage history). Claims
filed through the API are never touched.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from claims_api import models
from claims_api.core.config import DEMO_DATA_PATH
from claims_api.domain import stages
from claims_api.domain.stages import Stage

logger = logging.getLogger("claims_api.demo_data")
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_ACTOR = "demo-data"
DEMO_CHANNEL = "phone"  # demo claims pretend to have been reported on the hotline

# Times of day given to the day offsets of the file (it only has days).
INCIDENT_AT = time(8, 30)
REPORTED_AT = time(10, 0)
PAID_AT = time(15, 0)


@dataclass(frozen=True)
class LoadSummary:
    policies: int
    claims: int
    skipped_claims: int


def read_fixture(path: Path = DEMO_DATA_PATH) -> dict[str, Any]:
    with Path(path).open(encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=8)
def reserved_report_numbers(path: Path = DEMO_DATA_PATH) -> frozenset[str]:
    """Report numbers of the demo claims, which filed claims must never take."""
    try:
        return frozenset(c["report_no"] for c in read_fixture(path).get("claims", []))
    except FileNotFoundError:
        return frozenset()


def shanghai_today(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(SHANGHAI).date()


def _at(day: date, at: time) -> datetime:
    """A Shanghai wall-clock moment as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=SHANGHAI).astimezone(timezone.utc)


def load_demo_data(
    *, session: Session, path: Path = DEMO_DATA_PATH, today: date | None = None
) -> LoadSummary:
    """Upsert the demo policies and claims; safe to call on every start."""
    data = read_fixture(path)
    today = today or shanghai_today()

    def day(offset: int) -> date:
        return today + timedelta(days=int(offset))

    policies: dict[str, models.Policy] = {}
    for raw in data.get("policies", []):
        policy = session.scalar(select(models.Policy).where(models.Policy.policy_no == raw["policy_no"]))
        if policy is None:
            policy = models.Policy(policy_no=raw["policy_no"])
            session.add(policy)
        policy.product = raw["product"]
        policy.line = raw["line"]
        policy.status = raw["status"]
        policy.start_date = day(raw["start_days_from_today"])
        policy.end_date = day(raw["end_days_from_today"])
        policy.holder_name = raw["holder_name"]
        policy.insured_name = raw["insured_name"]
        policy.insured_id_number = raw["insured_id_number"]
        policy.phone = raw["phone"]
        policy.plate_number = raw.get("plate_number")
        policy.vehicle = raw.get("vehicle")
        policy.insured_address = raw.get("insured_address")
        policy.coverages = list(raw.get("coverages", []))
        policy.is_demo = True
        policies[policy.policy_no] = policy
    session.flush()

    loaded = skipped = 0
    for raw in data.get("claims", []):
        claim = session.scalar(select(models.Claim).where(models.Claim.report_no == raw["report_no"]))
        if claim is not None and not claim.is_demo:
            logger.warning("demo claim %s skipped: a filed claim has that number", raw["report_no"])
            skipped += 1
            continue
        policy = policies.get(raw["policy_no"]) or session.scalar(
            select(models.Policy).where(models.Policy.policy_no == raw["policy_no"])
        )
        if policy is None:
            logger.warning("demo claim %s skipped: unknown policy", raw["report_no"])
            skipped += 1
            continue
        if claim is None:
            claim = models.Claim(report_no=raw["report_no"], is_demo=True)
            session.add(claim)
        else:
            # Reset: the file is the truth for demo claims.
            session.execute(delete(models.ClaimEvent).where(models.ClaimEvent.claim_id == claim.id))
            session.execute(delete(models.ClaimMaterial).where(models.ClaimMaterial.claim_id == claim.id))
            session.execute(delete(models.Notification).where(models.Notification.claim_id == claim.id))
            session.expire(claim, ["events", "materials"])
        _fill_claim(claim, raw, policy, day, today)
        session.flush()
        _seed_materials(session, claim, raw)
        _seed_events(session, claim, today)
        loaded += 1
    session.commit()
    summary = LoadSummary(policies=len(policies), claims=loaded, skipped_claims=skipped)
    logger.info("demo data loaded for %s: %s", today.isoformat(), summary)
    return summary


def _fill_claim(claim: models.Claim, raw: dict[str, Any], policy: models.Policy, day, today: date) -> None:  # type: ignore[no-untyped-def]
    reported_at = _at(day(raw["reported_days_from_today"]), REPORTED_AT)
    claim.policy_id = policy.id
    claim.claim_type = raw["claim_type"]
    claim.stage = Stage(raw["stage"]).value
    claim.incident_time = _at(day(raw["incident_days_from_today"]), INCIDENT_AT)
    claim.incident_place = raw["incident_place"]
    claim.cause = raw["cause"]
    claim.description = raw["description"]
    claim.loss = raw.get("loss") or raw["description"]
    claim.casualties = bool(raw.get("casualties", False))
    claim.casualty_details = raw.get("casualty_details")
    claim.insured_name = policy.insured_name
    claim.insured_id_number = policy.insured_id_number
    claim.contact_phone = raw["contact_phone"]
    claim.plate_number = policy.plate_number if raw["claim_type"] == "vehicle" else None
    claim.hospital = raw.get("hospital")
    claim.channel = raw.get("channel", DEMO_CHANNEL)
    claim.conversation_id = raw.get("conversation_id")
    claim.estimated_amount_cents = _cents(raw.get("estimated_amount"))
    claim.paid_amount_cents = _cents(raw.get("paid_amount"))
    claim.paid_at = (
        _at(day(raw["paid_days_from_today"]), PAID_AT) if "paid_days_from_today" in raw else None
    )
    claim.bank_account_tail = raw.get("bank_account_tail")
    claim.rejection_reason = raw.get("rejection_reason")
    claim.rejection_clause = raw.get("rejection_clause")
    claim.appeal_zh = raw.get("appeal")
    claim.note = raw.get("note")
    claim.is_demo = True
    claim.created_at = reported_at
    claim.updated_at = reported_at


def _cents(amount: float | int | None) -> int | None:
    return None if amount is None else int(round(float(amount) * 100))


def _seed_materials(session: Session, claim: models.Claim, raw: dict[str, Any]) -> None:
    for status, key in (("received", "materials_received"), ("missing", "materials_missing")):
        for name in raw.get(key, []):
            session.add(
                models.ClaimMaterial(
                    claim_id=claim.id,
                    name=name,
                    status=status,
                    requested_at=claim.created_at if status == "missing" else None,
                    received_at=claim.created_at if status == "received" else None,
                )
            )


def _seed_events(session: Session, claim: models.Claim, today: date) -> None:
    """A plausible history: the shortest legal path from reported to the current stage."""
    path = stages.path_to(claim.stage)
    start = claim.created_at
    end = claim.paid_at or _at(today - timedelta(days=1), time(16, 0))
    end = max(end, start + timedelta(hours=len(path)))
    step = (end - start) / max(len(path) - 1, 1)
    previous: Stage | None = None
    for i, stage in enumerate(path):
        session.add(
            models.ClaimEvent(
                claim_id=claim.id,
                kind="reported" if previous is None else "transition",
                from_stage=previous.value if previous else None,
                to_stage=stage.value,
                actor=DEMO_ACTOR,
                reason="演示数据导入",
                created_at=start + step * i,
            )
        )
        previous = stage
    claim.updated_at = start + step * (len(path) - 1)

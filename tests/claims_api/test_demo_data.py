"""The demo data loader (claims_api/demo_data.py): relative days resolved against the load
day, reloading idempotent, filed claims untouched, the project copy identical to ../shared."""

from __future__ import annotations

import filecmp
import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims_api import demo_data, models
from claims_api.core.config import DEMO_DATA_PATH, REPO_ROOT
from claims_api.core.db import make_engine, make_session_factory, run_migrations
from claims_api.domain import stages

LOAD_DAY = date(2026, 11, 22)
FIXTURE = json.loads(DEMO_DATA_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def session(fresh_database_url: str) -> Iterator[Session]:
    engine = make_engine(fresh_database_url)
    run_migrations(engine)
    with make_session_factory(engine)() as s:
        yield s
    engine.dispose()


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (models.Policy, models.Claim, models.ClaimEvent, models.ClaimMaterial, models.Notification)
    }


def test_demo_data_copy_is_identical_to_shared_fixture() -> None:
    shared = REPO_ROOT.parent / "shared" / "fixtures" / "demo_policies.json"
    if not shared.exists():
        pytest.skip("../shared is not beside the project (only the project copy is needed to run)")
    assert filecmp.cmp(DEMO_DATA_PATH, shared, shallow=False)


def test_load_demo_data_loads_every_policy_and_claim(session: Session) -> None:
    summary = demo_data.load_demo_data(session=session, today=LOAD_DAY)
    assert (summary.policies, summary.claims, summary.skipped_claims) == (
        len(FIXTURE["policies"]), len(FIXTURE["claims"]), 0,
    )
    counts = _counts(session)
    assert counts["policies"] == 8 and counts["claims"] == 5


def test_load_demo_data_twice_never_duplicates(session: Session) -> None:
    demo_data.load_demo_data(session=session, today=LOAD_DAY)
    first = _counts(session)
    demo_data.load_demo_data(session=session, today=LOAD_DAY)
    demo_data.load_demo_data(session=session, today=LOAD_DAY + timedelta(days=3))
    assert _counts(session) == first


def test_load_demo_data_resolves_days_against_load_day(session: Session) -> None:
    demo_data.load_demo_data(session=session, today=LOAD_DAY)
    policy = session.scalar(select(models.Policy).where(models.Policy.policy_no == "PDAA202603010000001234"))
    assert policy is not None
    assert policy.start_date == LOAD_DAY - timedelta(days=265)
    assert policy.end_date == LOAD_DAY + timedelta(days=100)
    claim = session.scalar(select(models.Claim).where(models.Claim.report_no == "BA20260902000077"))
    assert claim is not None
    assert claim.incident_time.astimezone(demo_data.SHANGHAI).date() == LOAD_DAY - timedelta(days=83)
    assert claim.created_at.astimezone(demo_data.SHANGHAI).date() == LOAD_DAY - timedelta(days=81)
    assert claim.paid_at is not None and claim.paid_at.astimezone(demo_data.SHANGHAI).date() == LOAD_DAY - timedelta(days=40)


def test_load_demo_data_refreshes_dates_on_a_later_day(session: Session) -> None:
    demo_data.load_demo_data(session=session, today=LOAD_DAY)
    later = LOAD_DAY + timedelta(days=30)
    demo_data.load_demo_data(session=session, today=later)
    policy = session.scalar(select(models.Policy).where(models.Policy.policy_no == "PEAC202601010000002468"))
    assert policy is not None and policy.end_date == later + timedelta(days=40)


def test_load_demo_data_loads_claim_details(session: Session) -> None:
    demo_data.load_demo_data(session=session, today=LOAD_DAY)
    claims = {c.report_no: c for c in session.scalars(select(models.Claim))}
    waiting = claims["BA20261015000101"]
    assert waiting.stage == "awaiting_materials"
    assert sorted(m.name for m in waiting.materials if m.status == "missing") == sorted(["维修发票", "车辆损失照片"])
    assert len([m for m in waiting.materials if m.status == "received"]) == 3
    assert waiting.plate_number == "京A12345" and waiting.insured_name == "王建国"
    paid = claims["BA20260902000077"]
    assert (paid.paid_amount_cents, paid.bank_account_tail, paid.plate_number) == (865000, "6821", None)
    rejected = claims["BA20261101000233"]
    assert "等待期" in (rejected.rejection_reason or "") and "第七条" in (rejected.rejection_clause or "")
    assert rejected.appeal_zh and "60日" in rejected.appeal_zh
    assert claims["BA20261110000318"].note == "已安排查勘员现场查勘,预计3个工作日内联系您"
    assert claims["BA20261118000402"].estimated_amount_cents == 320000


def test_load_demo_data_gives_each_claim_a_legal_history(session: Session) -> None:
    demo_data.load_demo_data(session=session, today=LOAD_DAY)
    for claim in session.scalars(select(models.Claim)):
        events = sorted(claim.events, key=lambda e: e.id)
        assert events[0].from_stage is None and events[0].to_stage == "reported"
        assert events[-1].to_stage == claim.stage
        for event in events[1:]:
            assert stages.can_move(event.from_stage, event.to_stage)  # type: ignore[arg-type]
        times = [e.created_at for e in events]
        assert times == sorted(times)


def test_load_demo_data_resets_demo_claims_but_keeps_filed_ones(session: Session) -> None:
    demo_data.load_demo_data(session=session, today=LOAD_DAY)
    demo = session.scalar(select(models.Claim).where(models.Claim.report_no == "BA20261118000402"))
    assert demo is not None
    demo.stage = "withdrawn"
    filed = models.Claim(
        report_no="BA20261122000001", policy_id=demo.policy_id, claim_type="vehicle", stage="accepted",
        incident_time=demo.incident_time, incident_place="x", cause="x", description="x", loss="x",
        casualties=False, insured_name="赵敏", contact_phone="15011112222", channel="rest",
    )
    session.add(filed)
    session.commit()
    demo_data.load_demo_data(session=session, today=LOAD_DAY)
    session.expire_all()
    assert session.scalar(select(models.Claim.stage).where(models.Claim.report_no == "BA20261118000402")) == "adjusting"
    assert session.scalar(select(models.Claim.stage).where(models.Claim.report_no == "BA20261122000001")) == "accepted"


def test_reserved_report_numbers_are_the_demo_numbers(tmp_path: Path) -> None:
    assert demo_data.reserved_report_numbers(DEMO_DATA_PATH) == {c["report_no"] for c in FIXTURE["claims"]}
    assert demo_data.reserved_report_numbers(tmp_path / "missing.json") == frozenset()

"""crud.create_claim under races, made deterministic: the idempotency-key IntegrityError
path and the report-number retry, plus numbers that never take a demo claim's number."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims_api import crud, models, schemas

SH = timezone(timedelta(hours=8))


def test_create_claim_lost_race_answers_with_the_winner(
    db: Session, make_claim_body: Callable[..., dict[str, Any]], make_key: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    claim_in = schemas.ClaimCreate(**make_claim_body())
    key = make_key()
    winner, created = crud.create_claim(session=db, claim_in=claim_in, idempotency_key=key)
    assert created

    # The loser checked before the winner committed: its first look finds nothing.
    real_replay = crud._replay
    calls = {"n": 0}

    def stale_first(session: Session, k: str, fp: str) -> schemas.ClaimFiled | None:
        calls["n"] += 1
        return None if calls["n"] == 1 else real_replay(session, k, fp)

    monkeypatch.setattr(crud, "_replay", stale_first)
    loser, created = crud.create_claim(session=db, claim_in=claim_in, idempotency_key=key)
    assert not created and loser == winner and calls["n"] == 2
    assert db.scalar(select(func.count()).select_from(models.IdempotencyKey).where(models.IdempotencyKey.key == key)) == 1


def test_create_claim_retries_a_taken_report_number(
    db: Session, make_claim_body: Callable[..., dict[str, Any]], make_key: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_next = crud._next_report_no
    calls = {"n": 0}

    def collide_first(session: Session, now: datetime, reserved: Any) -> str:
        calls["n"] += 1
        return "BA20261015000101" if calls["n"] == 1 else real_next(session, now, reserved)

    monkeypatch.setattr(crud, "_next_report_no", collide_first)
    filed, created = crud.create_claim(session=db, claim_in=schemas.ClaimCreate(**make_claim_body()), idempotency_key=make_key())
    assert created and filed.report_no != "BA20261015000101" and calls["n"] == 2


def test_create_claim_number_follows_demo_numbers_of_the_day(
    db: Session, make_claim_body: Callable[..., dict[str, Any]], make_key: Callable[[], str]
) -> None:
    # The demo claim BA20261118000402 exists; a claim filed that day must come after it.
    now = datetime(2026, 11, 18, 12, 0, tzinfo=SH)
    body = make_claim_body(incident_time=(now - timedelta(hours=3)).isoformat())
    filed, _ = crud.create_claim(session=db, claim_in=schemas.ClaimCreate(**body), idempotency_key=make_key(), now=now)
    assert filed.report_no > "BA20261118000402" and filed.report_no.startswith("BA20261118")


def test_create_claim_number_skips_reserved_numbers(
    db: Session, make_claim_body: Callable[..., dict[str, Any]], make_key: Callable[[], str]
) -> None:
    now = datetime(2026, 11, 1, 12, 0, tzinfo=SH)
    body = make_claim_body(incident_time=(now - timedelta(hours=3)).isoformat())
    highest = db.scalar(select(func.max(models.Claim.report_no)).where(models.Claim.report_no.like("BA20261101%")))
    expected_seq = int(highest[-6:]) + 1 if highest else 1
    reserved = {f"BA20261101{expected_seq:06d}", f"BA20261101{expected_seq + 1:06d}"}
    filed, _ = crud.create_claim(
        session=db, claim_in=schemas.ClaimCreate(**body), idempotency_key=make_key(), reserved_report_nos=reserved, now=now
    )
    assert filed.report_no == f"BA20261101{expected_seq + 2:06d}"


def test_identity_matches_requires_every_given_field(client: TestClient, db: Session) -> None:
    policy = crud.get_policy(session=db, policy_no="PDAA202603010000001234")
    assert policy is not None
    assert crud.identity_matches(policy=policy, insured_name=" 王建国 ", phone="+86 138-1234-5678".replace("-", "").replace(" ", ""))
    assert not crud.identity_matches(policy=policy)
    assert not crud.identity_matches(policy=policy, insured_name="王建国", id_number="x")

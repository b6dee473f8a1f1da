"""Staff endpoints: claim list/detail (contract §4), the state machine, material requests,
payout, rejection, notifications (DB rows + Redis stream)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from claims_api import models, notifications
from claims_api.main import create_app

CONTRACT_FIELDS = {
    "report_no", "policy_no", "claim_type", "stage", "incident_time", "incident_place", "cause",
    "description", "loss", "casualties", "insured_name", "contact_phone", "plate_number", "channel",
    "created_at",
}
WANG = "PDAA202603010000001234"


def _post(client: TestClient, headers: dict[str, str], path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers=headers)


# --- reading ------------------------------------------------------------------------------


def test_read_claims_by_policy_has_contract_fields(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str]
) -> None:
    newest = file_claim(conversation_id="conv-contract")
    response = client.get("/claims", params={"policy_no": WANG}, headers=staff_headers)
    assert response.status_code == 200
    claims = response.json()
    assert claims[0]["report_no"] == newest
    assert [c["created_at"] for c in claims] == sorted((c["created_at"] for c in claims), reverse=True)
    for claim in claims:
        assert CONTRACT_FIELDS <= set(claim)
        assert claim["policy_no"] == WANG
        assert isinstance(claim["casualties"], bool)
        assert claim["incident_time"].endswith("+08:00") and claim["created_at"].endswith("+08:00")
        datetime.fromisoformat(claim["incident_time"])
    assert claims[0]["channel"] == "rest" and claims[0]["contact_phone"] == "13912340000"
    assert claims[0]["insured_name"] == "王建国" and claims[0]["plate_number"] == "京A12345"


def test_read_claims_plate_number_null_unless_vehicle(client: TestClient, staff_headers: dict[str, str]) -> None:
    for claim in client.get("/claims", headers=staff_headers).json():
        if claim["claim_type"] != "vehicle":
            assert claim["plate_number"] is None


def test_read_claims_unknown_policy_is_empty(client: TestClient, staff_headers: dict[str, str]) -> None:
    response = client.get("/claims", params={"policy_no": "NOPE0000000000"}, headers=staff_headers)
    assert response.status_code == 200 and response.json() == []


def test_read_claims_filters_by_stage(client: TestClient, staff_headers: dict[str, str]) -> None:
    claims = client.get("/claims", params={"stage": "paid"}, headers=staff_headers).json()
    assert claims and {c["stage"] for c in claims} == {"paid"}


@pytest.mark.parametrize("path", ["/claims?policy_no=PDAA202603010000001234", "/claims/BA20261015000101", "/notifications", "/complaints"])
def test_staff_endpoints_refuse_the_bot_token(client: TestClient, bot_headers: dict[str, str], path: str) -> None:
    response = client.get(path, headers=bot_headers)
    assert response.status_code == 403
    assert response.json()["detail"] == "this endpoint needs the staff token"


def test_staff_changes_refuse_the_bot_token(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = _post(client, bot_headers, "/claims/BA20261015000101/transitions", {"to_stage": "under_review", "reason": "x", "actor": "x"})
    assert response.status_code == 403


def test_read_claim_with_events(client: TestClient, staff_headers: dict[str, str]) -> None:
    body = client.get("/claims/BA20260902000077", headers=staff_headers).json()
    assert body["stage"] == "paid" and body["paid_amount"] == 8650.0
    assert [e["to_stage"] for e in body["events"]][-1] == "paid"
    assert all(e["created_at"].endswith("+08:00") for e in body["events"])


def test_read_claim_not_found(client: TestClient, staff_headers: dict[str, str]) -> None:
    response = client.get("/claims/BA20000101000001", headers=staff_headers)
    assert response.status_code == 404 and response.json()["detail"] == "claim not found"


# --- state machine ------------------------------------------------------------------------


def test_move_claim_writes_event_and_notification(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str], notification_stream, db: Session  # type: ignore[no-untyped-def]
) -> None:
    report_no = file_claim(conversation_id="conv-notify-1", channel="wechat")
    response = _post(client, staff_headers, f"/claims/{report_no}/transitions",
                     {"to_stage": "accepted", "reason": "保单有效，受理", "actor": "agent-007"})
    assert response.status_code == 200
    assert response.json()["stage"] == "accepted" and response.json()["stage_label_zh"] == "已受理"

    events = client.get(f"/claims/{report_no}", headers=staff_headers).json()["events"]
    last = events[-1]
    assert (last["from_stage"], last["to_stage"], last["actor"], last["reason"]) == ("reported", "accepted", "agent-007", "保单有效，受理")

    [entry] = notification_stream.new_entries(report_no)
    assert entry["stage"] == "accepted" and entry["stage_label_zh"] == "已受理"
    assert entry["channel"] == "wechat" and entry["conversation_id"] == "conv-notify-1"
    assert report_no in entry["message_zh"] and "材料" in entry["message_zh"]
    assert entry["created_at"].endswith("+08:00")
    assert {"report_no", "stage", "stage_label_zh", "message_zh", "channel", "conversation_id", "created_at"} <= set(entry)

    row = db.scalar(select(models.Notification).where(models.Notification.report_no == report_no))
    assert row is not None and row.stream_id and row.published_at is not None
    assert row.message_zh == entry["message_zh"]


def test_move_claim_illegal_409_lists_legal_moves(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str], db: Session
) -> None:
    report_no = file_claim()
    response = _post(client, staff_headers, f"/claims/{report_no}/transitions",
                     {"to_stage": "approved", "reason": "跳过审核", "actor": "agent"})
    assert response.status_code == 409
    body = response.json()
    assert body["current_stage"] == "reported"
    assert body["legal_moves"] == ["accepted", "rejected", "withdrawn"]
    assert "accepted, rejected, withdrawn" in body["detail"]
    assert db.scalar(select(models.Claim.stage).where(models.Claim.report_no == report_no)) == "reported"


@pytest.mark.parametrize("stage", ["paid", "rejected", "awaiting_materials"])
def test_move_claim_data_stages_need_their_endpoint(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str], stage: str
) -> None:
    report_no = file_claim()
    response = _post(client, staff_headers, f"/claims/{report_no}/transitions", {"to_stage": stage, "reason": "x", "actor": "a"})
    assert response.status_code == 422 and "use POST" in response.json()["detail"]


def test_move_claim_withdrawn_is_final(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str], move
) -> None:  # type: ignore[no-untyped-def]
    report_no = file_claim()
    move(report_no, "withdrawn")
    response = _post(client, staff_headers, f"/claims/{report_no}/transitions", {"to_stage": "accepted", "reason": "x", "actor": "a"})
    assert response.status_code == 409 and response.json()["legal_moves"] == []


def test_move_claim_note_and_estimate_reach_the_customer(
    client: TestClient, staff_headers: dict[str, str], bot_headers: dict[str, str], file_claim: Callable[..., str], move, notification_stream  # type: ignore[no-untyped-def]
) -> None:
    report_no = file_claim()
    move(report_no, "accepted")
    response = _post(client, staff_headers, f"/claims/{report_no}/transitions", {
        "to_stage": "investigating", "reason": "需现场查勘", "actor": "agent",
        "note": "已安排查勘员2个工作日内联系您", "estimated_amount": "1200.50",
    })
    assert response.status_code == 200 and response.json()["estimated_amount"] == 1200.5
    entries = notification_stream.new_entries(report_no)
    assert entries[-1]["stage"] == "investigating" and "查勘员2个工作日内" in entries[-1]["message_zh"]
    status = client.post("/claims/status-lookup", json={"report_no": report_no, "phone_last4": "5678"}, headers=bot_headers).json()
    assert status["claims"][0]["note"] == "已安排查勘员2个工作日内联系您"


def test_move_claim_unknown_404(client: TestClient, staff_headers: dict[str, str]) -> None:
    response = _post(client, staff_headers, "/claims/BA20000101000001/transitions", {"to_stage": "accepted", "reason": "x", "actor": "a"})
    assert response.status_code == 404


# --- materials ----------------------------------------------------------------------------


def test_request_materials_asks_for_everything_at_once(
    client: TestClient, staff_headers: dict[str, str], bot_headers: dict[str, str], file_claim: Callable[..., str], move, notification_stream  # type: ignore[no-untyped-def]
) -> None:
    report_no = file_claim()
    move(report_no, "accepted")
    response = _post(client, staff_headers, f"/claims/{report_no}/material-requests",
                     {"items": ["repair_invoice", "车辆损失照片", "4S店维修清单"], "actor": "agent"})
    assert response.status_code == 200
    body = response.json()
    assert body["stage"] == "awaiting_materials"
    assert body["materials_missing"] == ["维修发票", "车辆损失照片", "4S店维修清单"]
    [entry] = notification_stream.new_entries(report_no)[-1:]
    assert all(name in entry["message_zh"] for name in body["materials_missing"])

    # A second request while waiting adds to the list; the customer hears the whole list.
    again = _post(client, staff_headers, f"/claims/{report_no}/material-requests", {"items": ["driver_license"], "actor": "agent"}).json()
    assert again["materials_missing"] == ["维修发票", "车辆损失照片", "4S店维修清单", "驾驶证"]
    assert all(name in notification_stream.new_entries(report_no)[-1]["message_zh"] for name in again["materials_missing"])

    status = client.post("/claims/status-lookup", json={"report_no": report_no, "phone_last4": "5678"}, headers=bot_headers).json()
    assert status["claims"][0]["materials_missing"] == again["materials_missing"]


def test_request_materials_illegal_from_reported(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str]
) -> None:
    report_no = file_claim()
    response = _post(client, staff_headers, f"/claims/{report_no}/material-requests", {"items": ["维修发票"], "actor": "a"})
    assert response.status_code == 409 and "accepted" in response.json()["legal_moves"]


def test_request_materials_needs_items(client: TestClient, staff_headers: dict[str, str]) -> None:
    response = _post(client, staff_headers, "/claims/BA20261015000101/material-requests", {"items": [], "actor": "a"})
    assert response.status_code == 422


def test_receive_materials_moves_items_to_received(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str], move
) -> None:  # type: ignore[no-untyped-def]
    report_no = file_claim()
    move(report_no, "accepted")
    _post(client, staff_headers, f"/claims/{report_no}/material-requests", {"items": ["维修发票", "车辆损失照片"], "actor": "a"})
    body = _post(client, staff_headers, f"/claims/{report_no}/materials-received", {"items": ["repair_invoice"], "actor": "a"}).json()
    assert body["materials_missing"] == ["车辆损失照片"] and body["materials_received"] == ["维修发票"]
    assert body["stage"] == "awaiting_materials"
    events = client.get(f"/claims/{report_no}", headers=staff_headers).json()["events"]
    assert events[-1]["kind"] == "materials_received"


# --- payout and rejection -----------------------------------------------------------------


def test_pay_claim_only_from_approved(
    client: TestClient, staff_headers: dict[str, str], bot_headers: dict[str, str], file_claim: Callable[..., str], move, notification_stream  # type: ignore[no-untyped-def]
) -> None:
    report_no = file_claim()
    payout = {"amount": "3280.50", "bank_account_tail": "1234", "actor": "finance"}
    early = _post(client, staff_headers, f"/claims/{report_no}/payout", payout)
    assert early.status_code == 409 and early.json()["current_stage"] == "reported"

    move(report_no, "accepted", "under_review", "adjusting", "approved")
    response = _post(client, staff_headers, f"/claims/{report_no}/payout", payout)
    assert response.status_code == 200
    body = response.json()
    assert (body["stage"], body["paid_amount"], body["bank_account_tail"]) == ("paid", 3280.5, "1234")
    assert body["paid_at"].endswith("+08:00")
    entry = notification_stream.new_entries(report_no)[-1]
    assert entry["stage"] == "paid" and "3280.50" in entry["message_zh"] and "1234" in entry["message_zh"]
    status = client.post("/claims/status-lookup", json={"report_no": report_no, "phone_last4": "5678"}, headers=bot_headers).json()["claims"][0]
    assert status["paid_amount"] == 3280.5 and "3280.50" in status["next_step_zh"]
    assert _post(client, staff_headers, f"/claims/{report_no}/payout", payout).status_code == 409  # paid is final


@pytest.mark.parametrize("amount", ["0", "-5", "12.345", "NaN", "1e20", "abc"])
def test_pay_claim_bad_amount_422(client: TestClient, staff_headers: dict[str, str], amount: str) -> None:
    response = _post(client, staff_headers, "/claims/BA20261015000101/payout", {"amount": amount, "bank_account_tail": "1234", "actor": "a"})
    assert response.status_code == 422


def test_reject_claim_with_reason_clause_and_default_appeal(
    client: TestClient, staff_headers: dict[str, str], bot_headers: dict[str, str], file_claim: Callable[..., str], move, notification_stream  # type: ignore[no-untyped-def]
) -> None:
    report_no = file_claim()
    move(report_no, "accepted", "under_review")
    response = _post(client, staff_headers, f"/claims/{report_no}/rejection", {
        "reason": "事故发生时驾驶人无有效驾驶证", "clause": "《机动车综合商业保险示范条款》第二十四条", "actor": "claims-officer",
    })
    assert response.status_code == 200
    body = response.json()
    assert body["stage"] == "rejected" and "复核" in body["appeal_zh"]
    entry = notification_stream.new_entries(report_no)[-1]
    assert "无有效驾驶证" in entry["message_zh"] and "第二十四条" in entry["message_zh"] and "复核" in entry["message_zh"]
    status = client.post("/claims/status-lookup", json={"report_no": report_no, "phone_last4": "5678"}, headers=bot_headers).json()["claims"][0]
    assert status["rejection_clause"] == "《机动车综合商业保险示范条款》第二十四条"


def test_reject_claim_then_reopen_on_appeal(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str], move
) -> None:  # type: ignore[no-untyped-def]
    report_no = file_claim()
    _post(client, staff_headers, f"/claims/{report_no}/rejection", {"reason": "不属于保险责任", "clause": "第五条", "appeal": "可申请复核", "actor": "a"})
    body = move(report_no, "under_review")
    assert body["stage"] == "under_review" and body["rejection_reason"] is None
    kinds = [e["kind"] for e in client.get(f"/claims/{report_no}", headers=staff_headers).json()["events"]]
    assert kinds == ["reported", "rejection", "transition"]


def test_reject_claim_illegal_from_approved(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str], move
) -> None:  # type: ignore[no-untyped-def]
    report_no = file_claim()
    move(report_no, "accepted", "under_review", "adjusting", "approved")
    response = _post(client, staff_headers, f"/claims/{report_no}/rejection", {"reason": "x", "clause": "y", "actor": "a"})
    assert response.status_code == 409 and response.json()["legal_moves"] == ["paid"]


# --- notifications ------------------------------------------------------------------------


def test_read_notifications_of_a_claim(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str], move
) -> None:  # type: ignore[no-untyped-def]
    report_no = file_claim()
    move(report_no, "accepted", "under_review")
    rows = client.get("/notifications", params={"report_no": report_no}, headers=staff_headers).json()
    assert [r["stage"] for r in rows] == ["under_review", "accepted"]
    assert all(r["stream_id"] for r in rows)


def test_move_claim_with_redis_down_keeps_the_notification(
    settings, client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str], db: Session, redis_client, notification_stream  # type: ignore[no-untyped-def]
) -> None:
    report_no = file_claim()
    down = TestClient(create_app(settings.model_copy(update={"REDIS_URL": "redis://127.0.0.1:1/0"})))
    response = down.post(f"/claims/{report_no}/transitions", json={"to_stage": "accepted", "reason": "r", "actor": "a"}, headers=staff_headers)
    assert response.status_code == 200  # staff are not blocked by a Redis outage
    row = db.scalar(select(models.Notification).where(models.Notification.report_no == report_no))
    assert row is not None and row.stream_id is None

    sent = notifications.publish_pending(db, redis_client, stream="claims:notifications")
    assert sent >= 1
    db.refresh(row)
    assert row.stream_id is not None
    assert [e["stage"] for e in notification_stream.new_entries(report_no)] == ["accepted"]

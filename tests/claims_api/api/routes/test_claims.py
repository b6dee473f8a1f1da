"""POST /claims (idempotent filing, server-side validation) and POST /claims/status-lookup."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims_api import models
from claims_api.main import create_app

SH = timezone(timedelta(hours=8))
Body = Callable[..., dict[str, Any]]


def _post(client: TestClient, headers: dict[str, str], body: dict[str, Any], key: str) -> httpx.Response:
    return client.post("/claims", json=body, headers={**headers, "Idempotency-Key": key})


# --- filing -------------------------------------------------------------------------------


def test_create_claim_files_a_report(
    client: TestClient, bot_headers: dict[str, str], make_claim_body: Body, make_key: Callable[[], str]
) -> None:
    response = _post(client, bot_headers, make_claim_body(), make_key())
    assert response.status_code == 201, response.text
    body = response.json()
    today = datetime.now(SH).strftime("%Y%m%d")
    assert re.fullmatch(rf"BA{today}\d{{6}}", body["report_no"])
    assert (body["stage"], body["stage_label_zh"]) == ("reported", "已报案")
    assert body["materials"]["claim_type"] == "vehicle"
    assert {m["code"] for m in body["materials"]["submission_methods"]} == {"online", "post", "in_person"}
    assert any("定损" in step for step in body["next_steps_zh"])
    assert body["created_at"].endswith("+08:00")


def test_create_claim_same_key_returns_the_same_report(
    client: TestClient, bot_headers: dict[str, str], make_claim_body: Body, make_key: Callable[[], str]
) -> None:
    key, body = make_key(), make_claim_body()
    first = _post(client, bot_headers, body, key)
    second = _post(client, bot_headers, body, key)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()


def test_create_claim_same_key_different_body_409(
    client: TestClient, bot_headers: dict[str, str], make_claim_body: Body, make_key: Callable[[], str]
) -> None:
    key = make_key()
    assert _post(client, bot_headers, make_claim_body(), key).status_code == 201
    response = _post(client, bot_headers, make_claim_body(cause="刮擦"), key)
    assert response.status_code == 409
    assert "different request body" in response.json()["detail"]


@pytest.mark.parametrize("key", [None, "short", "x" * 129, "has space in it"])
def test_create_claim_bad_idempotency_key_422(
    client: TestClient, bot_headers: dict[str, str], make_claim_body: Body, key: str | None
) -> None:
    headers = dict(bot_headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    response = client.post("/claims", json=make_claim_body(), headers=headers)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]


def test_create_claim_concurrent_same_key_files_one_claim(
    live_server, bot_headers: dict[str, str], make_claim_body: Body, make_key: Callable[[], str], db: Session  # type: ignore[no-untyped-def]
) -> None:
    """Two truly parallel POSTs over HTTP (uvicorn thread pool) with one key: one claim."""
    key, body = make_key(), make_claim_body()
    rounds = 3
    for round_no in range(rounds):
        round_key = f"{key}-{round_no}"
        barrier = threading.Barrier(2)
        results: list[httpx.Response] = []
        lock = threading.Lock()

        def send() -> None:
            with httpx.Client(base_url=live_server.url, timeout=30) as http:
                barrier.wait()
                response = http.post("/claims", json=body, headers={**bot_headers, "Idempotency-Key": round_key})
                with lock:
                    results.append(response)

        threads = [threading.Thread(target=send) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(r.status_code for r in results) == [200, 201], [r.text for r in results]
        assert results[0].json()["report_no"] == results[1].json()["report_no"]
        count = db.scalar(
            select(func.count()).select_from(models.IdempotencyKey).where(models.IdempotencyKey.key == round_key)
        )
        assert count == 1


def test_create_claim_concurrent_different_keys_get_distinct_numbers(
    live_server, bot_headers: dict[str, str], make_claim_body: Body, make_key: Callable[[], str]  # type: ignore[no-untyped-def]
) -> None:
    barrier = threading.Barrier(4)
    numbers: list[str] = []
    lock = threading.Lock()

    def send() -> None:
        with httpx.Client(base_url=live_server.url, timeout=30) as http:
            barrier.wait()
            response = http.post("/claims", json=make_claim_body(), headers={**bot_headers, "Idempotency-Key": make_key()})
            assert response.status_code == 201, response.text
            with lock:
                numbers.append(response.json()["report_no"])

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(numbers) == 4 and len(set(numbers)) == 4


def test_create_claim_records_the_reported_event(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str]
) -> None:
    report_no = file_claim()
    events = client.get(f"/claims/{report_no}", headers=staff_headers).json()["events"]
    assert len(events) == 1
    assert (events[0]["from_stage"], events[0]["to_stage"], events[0]["kind"]) == (None, "reported", "reported")
    assert events[0]["actor"] == "customer via rest"


def test_create_claim_defaults_plate_to_the_policy_vehicle(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str]
) -> None:
    report_no = file_claim()
    assert client.get(f"/claims/{report_no}", headers=staff_headers).json()["plate_number"] == "京A12345"


def test_create_claim_keeps_plate_only_for_vehicle(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str]
) -> None:
    report_no = file_claim(claim_type="injury", plate_number="京A12345", casualties=True, hospital="北京朝阳医院")
    body = client.get(f"/claims/{report_no}", headers=staff_headers).json()
    assert body["plate_number"] is None and body["hospital"] == "北京朝阳医院"


def test_create_claim_naive_time_is_shanghai(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str]
) -> None:
    naive = (datetime.now(SH) - timedelta(days=2)).replace(hour=9, minute=30, second=0, microsecond=0)
    report_no = file_claim(incident_time=naive.replace(tzinfo=None).isoformat())
    body = client.get(f"/claims/{report_no}", headers=staff_headers).json()
    assert body["incident_time"] == naive.isoformat()


def test_create_claim_utc_time_is_shown_in_shanghai(
    client: TestClient, staff_headers: dict[str, str], file_claim: Callable[..., str]
) -> None:
    moment = (datetime.now(timezone.utc) - timedelta(days=1)).replace(microsecond=0)
    report_no = file_claim(incident_time=moment.isoformat().replace("+00:00", "Z"))
    body = client.get(f"/claims/{report_no}", headers=staff_headers).json()
    assert body["incident_time"] == moment.astimezone(SH).isoformat()


def _days_ago(days: int) -> str:
    return (datetime.now(SH) - timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "detail", "message_part"),
    [
        ({"policy_no": "PDAA999999999999999999"}, "policy_no not found", "保单号"),
        ({"insured_name": "王建军"}, "do not match", "不一致"),
        ({"insured_id_number": "11010519491231002X"}, "do not match", "不一致"),
        ({"policy_no": "PDAA202505150000005678", "insured_name": "李娜", "insured_id_number": None}, "not covered by the policy (expired)", "保险期间"),
        ({"policy_no": "PEAC202403030000001357", "insured_name": "孙丽", "insured_id_number": None, "claim_type": "injury"}, "(cancelled)", "退保"),
        ({"claim_type": "property"}, "(line_mismatch)", "保障范围"),
        ({"incident_time": _days_ago(400)}, "(not_yet_in_force)", "生效之前"),
        ({"incident_time": _days_ago(-1)}, "future", "晚于当前时间"),
        ({"plate_number": "京B99999"}, "plate_number does not match", "车牌号"),
    ],
)
def test_create_claim_refused_by_server_side_checks(
    client: TestClient, bot_headers: dict[str, str], make_claim_body: Body, make_key: Callable[[], str],
    overrides: dict[str, Any], detail: str, message_part: str,
) -> None:
    response = _post(client, bot_headers, make_claim_body(**overrides), make_key())
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]
    assert message_part in response.json()["message_zh"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"contact_phone": "12345678901"}, "contact_phone"),
        ({"contact_phone": "1381234567"}, "contact_phone"),
        ({"insured_id_number": "110105198003071235"}, "insured_id_number"),
        ({"insured_id_number": "110105198013071234"}, "insured_id_number"),
        ({"plate_number": "ABC"}, "plate_number"),
        ({"claim_type": "pet"}, "claim_type"),
        ({"casualties": "maybe"}, "casualties"),
        ({"incident_place": "   "}, "incident_place"),
        ({"description": "bad\x00byte"}, "description"),
        ({"channel": "Web Chat!"}, "channel"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_create_claim_bad_format_422(
    client: TestClient, bot_headers: dict[str, str], make_claim_body: Body, make_key: Callable[[], str],
    overrides: dict[str, Any], field: str,
) -> None:
    response = _post(client, bot_headers, make_claim_body(**overrides), make_key())
    assert response.status_code == 422, response.text
    body = response.json()
    assert field in body["detail"] and isinstance(body["detail"], str)
    assert body["message_zh"]


def test_create_claim_invalid_id_gets_a_chinese_hint(
    client: TestClient, bot_headers: dict[str, str], make_claim_body: Body, make_key: Callable[[], str]
) -> None:
    response = _post(client, bot_headers, make_claim_body(insured_id_number="110105198003071235"), make_key())
    assert "身份证" in response.json()["message_zh"]
    assert "110105198003071235" not in response.text  # input is not echoed back


def test_create_claim_bad_json_422(client: TestClient, bot_headers: dict[str, str], make_key: Callable[[], str]) -> None:
    response = client.post(
        "/claims", content=b'{"policy_no": ', headers={**bot_headers, "Idempotency-Key": make_key(), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["detail"]


def test_create_claim_bot_and_staff_may_file(
    client: TestClient, staff_headers: dict[str, str], make_claim_body: Body, make_key: Callable[[], str]
) -> None:
    assert _post(client, staff_headers, make_claim_body(), make_key()).status_code == 201
    assert client.post("/claims", json=make_claim_body(), headers={"Idempotency-Key": make_key()}).status_code == 401


# --- status lookup ------------------------------------------------------------------------

LOOKUP = "/claims/status-lookup"


def test_lookup_status_by_report_no_and_phone(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.post(LOOKUP, json={"report_no": "BA20261015000101", "phone_last4": "5678"}, headers=bot_headers)
    assert response.status_code == 200
    [status] = response.json()["claims"]
    assert status["stage"] == "awaiting_materials" and status["stage_label_zh"] == "待补充材料"
    assert sorted(status["materials_missing"]) == sorted(["维修发票", "车辆损失照片"])
    assert "维修发票" in status["next_step_zh"] and "车辆损失照片" in status["next_step_zh"]
    assert status["stage_explanation_zh"] and status["incident_time"].endswith("+08:00")


def test_lookup_status_by_id_last6(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.post(LOOKUP, json={"report_no": "ba20260902000077", "id_last6": "042349"}, headers=bot_headers)
    assert response.status_code == 200
    [status] = response.json()["claims"]
    assert (status["stage"], status["paid_amount"], status["bank_account_tail"]) == ("paid", 8650.0, "6821")
    assert status["paid_at"].endswith("+08:00") and "8650.00" in status["next_step_zh"]


def test_lookup_status_rejected_shows_reason_clause_and_appeal(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.post(LOOKUP, json={"report_no": "BA20261101000233", "phone_last4": "3333"}, headers=bot_headers)
    [status] = response.json()["claims"]
    assert "等待期" in status["rejection_reason"] and "第七条" in status["rejection_clause"]
    assert "复核" in status["appeal_zh"] and status["next_step_zh"] == status["appeal_zh"]


def test_lookup_status_investigating_shows_note(client: TestClient, bot_headers: dict[str, str]) -> None:
    [status] = client.post(
        LOOKUP, json={"report_no": "BA20261110000318", "id_last6": "123452"}, headers=bot_headers
    ).json()["claims"]
    assert status["stage"] == "investigating" and "查勘" in status["note"]


def test_lookup_status_by_policy_no_newest_first(
    client: TestClient, bot_headers: dict[str, str], file_claim: Callable[..., str]
) -> None:
    newest = file_claim()
    response = client.post(LOOKUP, json={"policy_no": "PDAA202603010000001234", "phone_last4": "5678"}, headers=bot_headers)
    assert response.status_code == 200
    numbers = [c["report_no"] for c in response.json()["claims"]]
    assert numbers[0] == newest and "BA20261015000101" in numbers
    assert numbers.index(newest) < numbers.index("BA20261015000101")


def test_lookup_status_accepts_claim_contact_phone(
    client: TestClient, bot_headers: dict[str, str], file_claim: Callable[..., str]
) -> None:
    report_no = file_claim(contact_phone="13900009876")
    for tail in ("9876", "5678"):  # the claim's contact phone or the policy phone
        response = client.post(LOOKUP, json={"report_no": report_no, "phone_last4": tail}, headers=bot_headers)
        assert response.status_code == 200


def test_lookup_status_wrong_verification_403_says_nothing(client: TestClient, bot_headers: dict[str, str]) -> None:
    wrong = client.post(LOOKUP, json={"report_no": "BA20261015000101", "phone_last4": "0000"}, headers=bot_headers)
    unknown = client.post(LOOKUP, json={"report_no": "BA20990101000001", "phone_last4": "5678"}, headers=bot_headers)
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json() == unknown.json()
    assert "awaiting" not in wrong.text and "王" not in wrong.text
    assert wrong.json()["message_zh"]


def test_lookup_status_both_checks_must_match(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.post(
        LOOKUP, json={"report_no": "BA20261015000101", "phone_last4": "5678", "id_last6": "000000"}, headers=bot_headers
    )
    assert response.status_code == 403


def test_lookup_status_report_of_another_policy_403(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.post(
        LOOKUP,
        json={"report_no": "BA20261015000101", "policy_no": "PEAC202601010000002468", "phone_last4": "5678"},
        headers=bot_headers,
    )
    assert response.status_code == 403


def test_lookup_status_locks_after_five_failures(
    client: TestClient, bot_headers: dict[str, str], redis_client: redis.Redis
) -> None:
    number = "BA20261118000402"
    codes = [
        client.post(LOOKUP, json={"report_no": number, "phone_last4": "0000"}, headers=bot_headers).status_code
        for _ in range(5)
    ]
    assert codes == [403, 403, 403, 403, 423]
    locked = client.post(LOOKUP, json={"report_no": number, "phone_last4": "2222"}, headers=bot_headers)
    assert locked.status_code == 423  # even the right answer waits for the lock to end
    body = locked.json()
    assert 0 < body["retry_after_seconds"] <= 900 and "15分钟" in body["message_zh"]
    assert locked.headers["Retry-After"] == str(body["retry_after_seconds"])
    assert 0 < redis_client.ttl(f"claims:verify-fail:{number}") <= 900


def test_lookup_status_unknown_numbers_lock_too(client: TestClient, bot_headers: dict[str, str]) -> None:
    codes = [
        client.post(LOOKUP, json={"policy_no": "PXXX000000000000000001", "phone_last4": "1111"}, headers=bot_headers).status_code
        for _ in range(6)
    ]
    assert codes == [403, 403, 403, 403, 423, 423]


def test_lookup_status_success_resets_failures(
    client: TestClient, bot_headers: dict[str, str], redis_client: redis.Redis
) -> None:
    number = "BA20261118000402"
    for _ in range(4):
        client.post(LOOKUP, json={"report_no": number, "phone_last4": "0000"}, headers=bot_headers)
    assert client.post(LOOKUP, json={"report_no": number, "phone_last4": "2222"}, headers=bot_headers).status_code == 200
    assert redis_client.get(f"claims:verify-fail:{number}") is None
    for _ in range(4):
        assert client.post(LOOKUP, json={"report_no": number, "phone_last4": "0000"}, headers=bot_headers).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"phone_last4": "5678"},
        {"report_no": "BA20261015000101"},
        {"report_no": "BA20261015000101", "phone_last4": "56789"},
        {"report_no": "BA20261015000101", "id_last6": "12345Y"},
        {"report_no": "BA-2026/../", "phone_last4": "5678"},
    ],
)
def test_lookup_status_bad_request_422(client: TestClient, bot_headers: dict[str, str], body: dict[str, str]) -> None:
    assert client.post(LOOKUP, json=body, headers=bot_headers).status_code == 422


def test_lookup_status_redis_down_503_others_keep_working(settings, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    app = create_app(settings.model_copy(update={"REDIS_URL": "redis://127.0.0.1:1/0"}))
    headers = {"Authorization": f"Bearer {settings.CLAIMS_API_TOKEN}"}
    down = TestClient(app)  # the database is already migrated by `client`
    response = down.post(LOOKUP, json={"report_no": "BA20261015000101", "phone_last4": "5678"}, headers=headers)
    assert response.status_code == 503
    assert "Redis" in response.json()["detail"] and response.json()["message_zh"]
    assert down.get("/policies/PDAA202603010000001234", headers=headers).status_code == 200
    assert down.get("/stages", headers=headers).status_code == 200

"""GET /policies/{policy_no}, identity-check and coverage-check."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

SH = timezone(timedelta(hours=8))
WANG = "PDAA202603010000001234"


def _yesterday() -> str:
    return (datetime.now(SH) - timedelta(days=1)).replace(microsecond=0).isoformat()


def test_read_policy_masked_for_bot(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.get(f"/policies/{WANG}", headers=bot_headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["holder_name"], body["insured_name"], body["phone"]) == ("王*国", "王*国", "138****5678")
    assert body["line"] == "vehicle" and body["status"] == "active" and body["plate_number"] == "京A12345"
    assert "车上人员责任险" in body["coverages"]
    assert "110105198003071234" not in response.text and "13812345678" not in response.text


def test_read_policy_two_character_name_masked(client: TestClient, bot_headers: dict[str, str]) -> None:
    body = client.get("/policies/PDAA202505150000005678", headers=bot_headers).json()
    assert body["insured_name"] == "李*" and body["status"] == "expired"


def test_read_policy_unmasked_for_staff(client: TestClient, staff_headers: dict[str, str]) -> None:
    body = client.get(f"/policies/{WANG}", headers=staff_headers).json()
    assert (body["insured_name"], body["phone"]) == ("王建国", "13812345678")


def test_read_policy_normalises_the_number(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.get("/policies/pdaa 2026 0301 0000 001234", headers=bot_headers)
    assert response.status_code == 200 and response.json()["policy_no"] == WANG


def test_read_policy_not_found(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.get("/policies/PDAA000000000000000000", headers=bot_headers)
    assert response.status_code == 404
    assert response.json()["detail"] == "policy not found" and "保单号" in response.json()["message_zh"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic abc"}])
def test_read_policy_without_valid_token_401(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get(f"/policies/{WANG}", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == "missing or invalid bearer token"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ({"insured_name": "王建国"}, True),
        ({"insured_name": "王建国", "id_number": "110105198003071234", "phone": "13812345678"}, True),
        ({"id_number": "110105198003071234"}, True),
        ({"phone": "138 1234 5678"}, True),
        ({"insured_name": "王建军"}, False),
        ({"insured_name": "王建国", "phone": "13812345679"}, False),
        ({"insured_name": "王建国", "id_number": "110105198003071235"}, False),
    ],
)
def test_check_identity(client: TestClient, bot_headers: dict[str, str], body: dict[str, str], match: bool) -> None:
    response = client.post(f"/policies/{WANG}/identity-check", json=body, headers=bot_headers)
    assert response.status_code == 200
    assert response.json() == {"match": match}  # never says which field failed


def test_check_identity_uses_insured_not_holder(client: TestClient, bot_headers: dict[str, str]) -> None:
    url = "/policies/PHEL202604200000008642/identity-check"
    assert client.post(url, json={"insured_name": "周小雨"}, headers=bot_headers).json() == {"match": True}
    assert client.post(url, json={"insured_name": "周杰"}, headers=bot_headers).json() == {"match": False}


def test_check_identity_needs_a_field(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.post(f"/policies/{WANG}/identity-check", json={}, headers=bot_headers)
    assert response.status_code == 422
    assert "at least one" in response.json()["detail"]


def test_check_identity_unknown_policy_404(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.post("/policies/NOPE12345678/identity-check", json={"insured_name": "王建国"}, headers=bot_headers)
    assert response.status_code == 404


def test_check_coverage_covered(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.post(
        f"/policies/{WANG}/coverage-check", json={"incident_time": _yesterday(), "claim_type": "vehicle"}, headers=bot_headers
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["covered"], body["in_force"], body["line_covers"], body["reason"]) == (True, True, True, None)


@pytest.mark.parametrize(
    ("policy_no", "claim_type", "reason", "cites"),
    [
        ("PDAA202505150000005678", "vehicle", "expired", "保险期间为"),
        ("PEAC202403030000001357", "injury", "cancelled", "退保"),
        ("PQAB202602200000004680", "vehicle", "line_mismatch", "家庭财产综合保险"),
        ("PHEL202601150000003579", "injury", "line_mismatch", "百万医疗保险"),
    ],
)
def test_check_coverage_not_covered(
    client: TestClient, bot_headers: dict[str, str], policy_no: str, claim_type: str, reason: str, cites: str
) -> None:
    response = client.post(
        f"/policies/{policy_no}/coverage-check", json={"incident_time": _yesterday(), "claim_type": claim_type}, headers=bot_headers
    )
    assert response.status_code == 200
    body = response.json()
    assert body["covered"] is False and body["reason"] == reason
    assert cites in body["explanation_zh"]


def test_check_coverage_not_yet_in_force(client: TestClient, bot_headers: dict[str, str]) -> None:
    long_ago = (datetime.now(SH) - timedelta(days=400)).isoformat()
    body = client.post(
        f"/policies/{WANG}/coverage-check", json={"incident_time": long_ago, "claim_type": "vehicle"}, headers=bot_headers
    ).json()
    assert body["reason"] == "not_yet_in_force" and body["in_force"] is False


def test_check_coverage_vehicle_line_covers_occupant_injury(client: TestClient, bot_headers: dict[str, str]) -> None:
    covered = client.post(
        f"/policies/{WANG}/coverage-check", json={"incident_time": _yesterday(), "claim_type": "injury"}, headers=bot_headers
    ).json()
    assert covered["covered"] is True


def test_check_coverage_future_incident_422(client: TestClient, bot_headers: dict[str, str]) -> None:
    tomorrow = (datetime.now(SH) + timedelta(days=1)).isoformat()
    response = client.post(
        f"/policies/{WANG}/coverage-check", json={"incident_time": tomorrow, "claim_type": "vehicle"}, headers=bot_headers
    )
    assert response.status_code == 422 and "future" in response.json()["detail"]


@pytest.mark.parametrize("bad", ["not a time", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_check_coverage_bad_time_422(client: TestClient, bot_headers: dict[str, str], bad: str) -> None:
    response = client.post(
        f"/policies/{WANG}/coverage-check", json={"incident_time": bad, "claim_type": "vehicle"}, headers=bot_headers
    )
    assert response.status_code == 422
    assert "incident_time" in response.json()["detail"]

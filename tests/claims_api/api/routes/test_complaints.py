"""POST /complaints (reference number, expected response) and GET /complaints (staff)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

SH = timezone(timedelta(hours=8))


def test_create_complaint_returns_reference(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.post("/complaints", json={
        "conversation_id": "conv-c1", "summary": "理赔进度太慢，一直没人联系", "category": "效率",
        "report_no": "ba20261015000101", "contact_phone": "13812345678", "channel": "wechat",
    }, headers=bot_headers)
    assert response.status_code == 201
    body = response.json()
    today = datetime.now(SH).strftime("%Y%m%d")
    assert re.fullmatch(rf"TS{today}\d{{6}}", body["complaint_no"])
    assert "1个工作日内" in body["expected_response_zh"] and body["complaint_no"] in body["expected_response_zh"]
    assert body["created_at"].endswith("+08:00")


def test_create_complaint_numbers_increase(client: TestClient, bot_headers: dict[str, str]) -> None:
    numbers = [
        client.post("/complaints", json={"conversation_id": f"c{i}", "summary": "服务态度差"}, headers=bot_headers).json()["complaint_no"]
        for i in range(3)
    ]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3


@pytest.mark.parametrize(
    "body",
    [{"summary": "x"}, {"conversation_id": "c"}, {"conversation_id": "c", "summary": " "},
     {"conversation_id": "c", "summary": "x", "contact_phone": "123"}],
)
def test_create_complaint_bad_input_422(client: TestClient, bot_headers: dict[str, str], body: dict[str, str]) -> None:
    assert client.post("/complaints", json=body, headers=bot_headers).status_code == 422


def test_read_complaints_for_staff(client: TestClient, bot_headers: dict[str, str], staff_headers: dict[str, str]) -> None:
    created = client.post("/complaints", json={"conversation_id": "conv-list", "summary": "想投诉定损金额太低"}, headers=bot_headers).json()
    listed = client.get("/complaints", headers=staff_headers).json()
    assert listed[0]["complaint_no"] == created["complaint_no"]
    assert listed[0]["summary"] == "想投诉定损金额太低" and listed[0]["status"] == "open"

"""GET /stages: the stage wording and legal next stages, straight from domain/stages.py."""

from __future__ import annotations

from fastapi.testclient import TestClient

from claims_api.domain import stages


def test_read_stages(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.get("/stages", headers=bot_headers)
    assert response.status_code == 200
    body = response.json()
    assert [s["stage"] for s in body] == [s.value for s in stages.Stage]
    by_stage = {s["stage"]: s for s in body}
    assert by_stage["adjusting"]["typical_duration_zh"] == stages.info("adjusting").typical_duration_zh
    assert by_stage["approved"]["legal_next_stages"] == ["paid"]
    assert by_stage["paid"]["legal_next_stages"] == []
    for item in body:
        assert item["label_zh"] and item["explanation_zh"] and item["typical_duration_zh"]


def test_read_stages_needs_a_token(client: TestClient) -> None:
    assert client.get("/stages").status_code == 401

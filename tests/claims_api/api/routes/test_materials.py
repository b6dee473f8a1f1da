"""GET /materials and GET /materials/{claim_type}."""

from __future__ import annotations

from fastapi.testclient import TestClient

from claims_api.domain import materials


def test_read_catalogue_has_every_claim_type(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.get("/materials", headers=bot_headers)
    assert response.status_code == 200
    types = [c["claim_type"] for c in response.json()["claim_types"]]
    assert types == ["vehicle", "injury", "property", "medical"]


def test_read_checklist_matches_the_domain_catalogue(client: TestClient, bot_headers: dict[str, str]) -> None:
    body = client.get("/materials/injury", headers=bot_headers).json()
    assert body["label_zh"] == "人身伤害/意外"
    assert [i["code"] for i in body["items"]] == [i.code for i in materials.checklist("injury")]
    item = next(i for i in body["items"] if i["code"] == "death_certificate")
    assert set(item) == {"code", "name", "what", "where_to_get", "required_when"}
    assert "身故" in item["required_when"]
    assert [m["name"] for m in body["submission_methods"]] == ["线上上传", "邮寄", "柜面递交"]


def test_read_checklist_unknown_type_422(client: TestClient, bot_headers: dict[str, str]) -> None:
    response = client.get("/materials/pet", headers=bot_headers)
    assert response.status_code == 422 and "claim_type" in response.json()["detail"]


def test_read_checklist_needs_a_token(client: TestClient) -> None:
    assert client.get("/materials/vehicle").status_code == 401

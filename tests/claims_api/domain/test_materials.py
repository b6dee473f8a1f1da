"""The materials catalogue (claims_api/domain/materials.py)."""

from __future__ import annotations

import json

import pytest

from claims_api.core.config import DEMO_DATA_PATH
from claims_api.domain import materials
from claims_api.domain.materials import ClaimType


@pytest.mark.parametrize("claim_type", list(ClaimType))
def test_checklist_items_are_complete(claim_type: ClaimType) -> None:
    items = materials.checklist(claim_type)
    assert len(items) >= 5
    codes = [i.code for i in items]
    assert len(codes) == len(set(codes))
    for item in items:
        assert item.name and item.what and item.where_to_get
    assert "bank_card" in codes and "id_card" in codes


def test_checklist_vehicle_has_the_brief_items() -> None:
    names = {i.name for i in materials.checklist("vehicle")}
    assert {"驾驶证", "机动车行驶证", "事故责任认定书", "快处快赔协议书", "车辆损失照片", "维修发票", "定损单", "银行卡"} <= names


def test_checklist_injury_death_items_only_when_death() -> None:
    by_code = {i.code: i for i in materials.checklist("injury")}
    for code in ("death_certificate", "household_cancellation", "beneficiary_relation"):
        assert "身故" in (by_code[code].required_when or "")
    assert "伤残" in (by_code["disability_assessment"].required_when or "")
    assert by_code["medical_record"].required_when is None


def test_checklist_medical_has_exam_reports_and_invoices() -> None:
    names = {i.name for i in materials.checklist("medical")}
    assert {"病历", "诊断证明", "检查报告", "出院小结"} <= names
    assert any("发票" in n for n in names)


def test_submission_methods_are_online_post_in_person() -> None:
    assert [m.code for m in materials.SUBMISSION_METHODS] == ["online", "post", "in_person"]


def test_resolve_item_by_code_and_name() -> None:
    assert materials.resolve_item("vehicle", "repair_invoice").name == "维修发票"  # type: ignore[union-attr]
    assert materials.resolve_item("vehicle", "维修发票").code == "repair_invoice"  # type: ignore[union-attr]
    assert materials.resolve_item("vehicle", "不存在的材料") is None


def test_demo_material_names_are_in_the_catalogue() -> None:
    data = json.loads(DEMO_DATA_PATH.read_text(encoding="utf-8"))
    for claim in data["claims"]:
        for name in claim.get("materials_received", []) + claim.get("materials_missing", []):
            assert materials.resolve_item(claim["claim_type"], name) is not None, name

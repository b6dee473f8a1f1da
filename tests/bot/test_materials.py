"""bot/materials.py over the real Claims API's catalogue (GET /materials)."""
from __future__ import annotations

import re

import pytest

from bot import materials
from tests.support.claims_stack import bot_get, claims_env

# The claim types of the product contract (§3); their checklists come from the API.
CLAIM_TYPES = ["vehicle", "injury", "property", "medical"]


@pytest.fixture(scope="module")
def catalogue():
    with claims_env():
        yield bot_get("/materials")["claim_types"]


def item(catalogue, claim_type, code):
    checklist = materials.checklist_of(claim_type, catalogue)
    return next(i for i in checklist["items"] if i["code"] == code)


@pytest.mark.parametrize("claim_type", CLAIM_TYPES)
def test_format_checklist_lists_and_explains_every_item(catalogue, claim_type):
    checklist = materials.checklist_of(claim_type, catalogue)
    text = materials.format_checklist(checklist)
    numbered = re.findall(r"^(\d+)\. (.+)$", text, flags=re.M)
    assert [int(n) for n, _ in numbered] == list(range(1, len(checklist["items"]) + 1))
    for (_, line), entry in zip(numbered, checklist["items"]):
        assert line.startswith(entry["name"])
        if entry["required_when"]:
            assert entry["required_when"] in line
        assert f"说明：{entry['what']}" in text
        assert f"去哪里办：{entry['where_to_get']}" in text


@pytest.mark.parametrize("claim_type", CLAIM_TYPES)
def test_format_submission_lists_every_method(catalogue, claim_type):
    checklist = materials.checklist_of(claim_type, catalogue)
    text = materials.format_submission(checklist)
    assert text.splitlines() == [f"{n}. {m['name']}：{m['how']}"
                                 for n, m in enumerate(checklist["submission_methods"], start=1)]


@pytest.mark.parametrize("text, claim_type, code", [
    ("事故认定书去哪开", "vehicle", "accident_liability"),
    ("事故認定書去哪開", "vehicle", "accident_liability"),
    ("交警没来 私了的 还能开证明吗", "vehicle", "quick_settlement"),
    ("定损单是什么 去哪拿", "vehicle", "loss_assessment"),
    ("维修发票4S店给吗", "vehicle", "repair_invoice"),
    ("伤残鉴定去哪里做", "injury", "disability_assessment"),
    ("户籍注销证明怎么办理", "injury", "household_cancellation"),
    ("物业证明要怎么开", "property", "official_proof"),
    ("损失清单怎么写 有模板吗", "property", "loss_list"),
    ("检查报告也要交吗", "medical", "exam_reports"),
])
def test_match_items_finds_the_item_and_its_claim_type(catalogue, text, claim_type, code):
    answer, ambiguous = materials.match_items(text, catalogue)
    assert not ambiguous
    assert answer.checklist["claim_type"] == claim_type
    assert [i["code"] for i in answer.items] == [code]


def test_match_items_item_shared_by_several_types_needs_no_type(catalogue):
    answer, ambiguous = materials.match_items("诊断证明怎么开", catalogue)
    assert not ambiguous and [i["code"] for i in answer.items] == ["diagnosis"]


def test_match_items_several_items_of_one_checklist(catalogue):
    answer, _ = materials.match_items("驾驶证行驶证都要吗", catalogue)
    assert answer.checklist["claim_type"] == "vehicle"
    assert {i["code"] for i in answer.items} == {"driver_license", "vehicle_license"}


def test_match_items_ambiguous_word_without_type_asks_for_it(catalogue):
    assert materials.match_items("发票丢了怎么办", catalogue) == (None, True)
    assert materials.match_items("照片要拍哪些", catalogue) == (None, True)


@pytest.mark.parametrize("claim_type, code", [
    ("vehicle", "repair_invoice"), ("medical", "medical_invoice"), ("property", "purchase_proof")])
def test_match_items_ambiguous_word_with_type(catalogue, claim_type, code):
    answer, ambiguous = materials.match_items("发票丢了怎么办", catalogue, claim_type)
    assert not ambiguous
    assert [i["code"] for i in answer.items] == [code]


@pytest.mark.parametrize("text", ["车险理赔要哪些材料", "住院了报销要准备啥", "理赔需要什么材料"])
def test_match_items_general_questions_name_no_item(catalogue, text):
    assert materials.match_items(text, catalogue) == (None, False)


def test_format_items_explains_what_where_and_when(catalogue):
    answer, _ = materials.match_items("事故认定书去哪开", catalogue)
    entry = item(catalogue, "vehicle", "accident_liability")
    text = materials.format_items(answer)
    assert f"【{entry['name']}】" in text
    assert entry["what"] in text and entry["where_to_get"] in text
    assert entry["required_when"] in text


@pytest.mark.parametrize("text, expected", [
    ("能不能网上交", True), ("材料可以线上上传吗", True), ("可以邮寄材料吗", True),
    ("材料怎么交", True), ("车险理赔要哪些材料", False), ("事故认定书去哪开", False)])
def test_asks_submission(text, expected):
    assert materials.asks_submission(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("还差什么材料", True), ("我还需要补什么资料吗", True), ("還缺什麼", True),
    ("车险理赔要哪些材料", False)])
def test_asks_missing(text, expected):
    assert materials.asks_missing(text) is expected


def test_pick_claim_type_takes_the_first_known(catalogue):
    assert materials.pick_claim_type([None, "boat", "medical", "vehicle"], catalogue) == "medical"
    assert materials.pick_claim_type([None, None], catalogue) is None


def test_type_choices_follow_the_catalogue(catalogue):
    assert materials.type_choices(catalogue) == [(c["claim_type"], c["label_zh"]) for c in catalogue]


def test_format_missing_adds_where_to_get_known_items(catalogue):
    invoice = item(catalogue, "vehicle", "repair_invoice")
    photos = item(catalogue, "vehicle", "damage_photos")
    text = materials.format_missing(["维修发票", "车辆损失照片", "交警出具的情况说明"],
                                    catalogue, "vehicle")
    assert text.splitlines() == [
        "1. 维修发票", f"   去哪里办：{invoice['where_to_get']}",
        "2. 车辆损失照片", f"   去哪里办：{photos['where_to_get']}",
        "3. 交警出具的情况说明",
    ]

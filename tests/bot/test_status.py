"""bot/status.py: reading answers, choosing a claim, and answers built from the real
Claims API's status payloads of the demo claims."""
from __future__ import annotations

import pytest

from bot import materials, status
from tests.support.claims_stack import bot_get, lookup, unlock, claims_env

AWAITING = {"report_no": "BA20261015000101", "phone_last4": "5678"}
PAID = {"report_no": "BA20260902000077", "phone_last4": "1111"}
REJECTED = {"report_no": "BA20261101000233", "phone_last4": "3333"}
INVESTIGATING = {"report_no": "BA20261110000318", "id_last6": "123452"}
ADJUSTING = {"report_no": "BA20261118000402", "phone_last4": "2222"}


@pytest.fixture(scope="module")
def catalogue():
    with claims_env():
        yield bot_get("/materials")["claim_types"]


def claim(query):
    unlock(query["report_no"])
    return lookup(**query)


# --- reading the customer's answers ---------------------------------------------------------


@pytest.mark.parametrize("text, entities, expected", [
    ("5678", [], ("phone_last4", "5678")),
    ("尾号 5678", [], ("phone_last4", "5678")),
    ("５６７８", [], ("phone_last4", "5678")),
    ("手机号138-1234-5678", [], ("phone_last4", "5678")),
    ("13812345678", [{"entity": "phone_number", "value": "13812345678"}], ("phone_last4", "5678")),
    ("身份证后六位07123x", [], ("id_last6", "07123X")),
    ("071234", [], ("id_last6", "071234")),
    ("110105198003071234", [], ("id_last6", "071234")),
    ("身份证110105198003071234", [{"entity": "id_number", "value": "110105198003071234"}],
     ("id_last6", "071234")),
    ("BA20261015000101 手机尾号5678", [{"entity": "report_number", "value": "BA20261015000101"}],
     ("phone_last4", "5678")),
    ("保单号PDAA202603010000001234", [], None),
    ("我不记得了", [], None),
])
def test_parse_verification(text, entities, expected):
    assert status.parse_verification(text, entities) == expected


@pytest.mark.parametrize("text, entities, expected", [
    ("查一下BA20261015000101", [{"entity": "report_number", "value": "BA20261015000101"}],
     "BA20261015000101"),
    ("ba 2026 1015 000101", [], "BA20261015000101"),
    ("保单号pdaa202603010000001234", [], "PDAA202603010000001234"),
    ("我的理赔到哪一步了", [], None),
])
def test_parse_number(text, entities, expected):
    assert status.parse_number(text, entities) == expected


@pytest.mark.parametrize("number, kind", [
    ("BA20261015000101", "report_no"), ("PDAA202603010000001234", "policy_no"),
    ("BA2026", None), (None, None)])
def test_number_kind(number, kind):
    assert status.number_kind(number) == kind


def test_looks_like_number():
    assert status.looks_like_number("BA2026101500")
    assert not status.looks_like_number("不知道在哪")


def test_lookup_arguments():
    assert status.lookup_arguments("BA20261015000101", "phone_last4", "5678") == {
        "report_no": "BA20261015000101", "phone_last4": "5678"}
    assert status.lookup_arguments("PDAA202603010000001234", "id_last6", "071234") == {
        "policy_no": "PDAA202603010000001234", "id_last6": "071234"}
    with pytest.raises(ValueError):
        status.lookup_arguments("hello", "phone_last4", "5678")


@pytest.mark.parametrize("seconds, minutes", [(900, 15), (61, 2), (1, 1), (None, 15)])
def test_lock_minutes(seconds, minutes):
    assert status.lock_minutes(seconds) == minutes


CANDIDATES = ["BA20261122000001", "BA20261015000101"]


@pytest.mark.parametrize("text, entities, expected", [
    ("第二个", [], "BA20261015000101"),
    ("2", [], "BA20261015000101"),
    ("看一下第1个", [], "BA20261122000001"),
    ("最新的那个", [], "BA20261122000001"),
    ("BA20261015000101", [{"entity": "report_number", "value": "BA20261015000101"}],
     "BA20261015000101"),
    ("第三个", [], None),
    ("随便", [], None),
])
def test_choose_claim(text, entities, expected):
    assert status.choose_claim(text, entities, CANDIDATES) == expected


def test_choose_claim_by_unique_claim_type():
    entities = [{"entity": "claim_type", "value": "medical"}]
    assert status.choose_claim("住院那个", entities, CANDIDATES, ["vehicle", "medical"]) == CANDIDATES[1]
    assert status.choose_claim("住院那个", entities, CANDIDATES, ["medical", "medical"]) is None


def test_format_choices_from_the_payload():
    claims = [{"report_no": "BA20261015000101", "reported_at": "2026-10-15T10:00:00+08:00",
               "incident_place": "北京市朝阳区", "stage_label_zh": "待补充材料"}]
    assert status.format_choices(claims) == "1. BA20261015000101｜2026年10月15日报案｜北京市朝阳区｜待补充材料"


# --- answers from the demo claims' real payloads ---------------------------------------------


def test_status_reply_awaiting_materials_lists_everything_missing(catalogue):
    payload = claim(AWAITING)
    key, variables = status.status_reply(payload, catalogue)
    assert key == "utter_status_awaiting_materials"
    assert variables["stage_label"] == payload["stage_label_zh"]
    assert variables["stage_explanation"] == payload["stage_explanation_zh"]
    assert variables["missing_list"] == materials.format_missing(
        payload["materials_missing"], catalogue, "vehicle")
    assert variables["missing_count"] == str(len(payload["materials_missing"]))
    for name in payload["materials_missing"]:
        assert name in variables["missing_list"]


def test_status_reply_paid_gives_amount_date_and_account(catalogue):
    payload = claim(PAID)
    key, variables = status.status_reply(payload, catalogue)
    assert key == "utter_status_paid"
    assert variables["paid_amount"] == f"{payload['paid_amount']:,.2f}"
    assert variables["account_tail"] == payload["bank_account_tail"]
    assert variables["paid_date"] == status.format_date(payload["paid_at"])
    assert variables["stage_label"] == payload["stage_label_zh"]


def test_status_reply_rejected_gives_reason_clause_and_appeal(catalogue):
    payload = claim(REJECTED)
    key, variables = status.status_reply(payload, catalogue)
    assert key == "utter_status_rejected"
    assert variables["rejection_reason"] == payload["rejection_reason"]
    assert variables["rejection_clause"] == payload["rejection_clause"]
    assert variables["appeal"] == payload["appeal_zh"]


def test_status_reply_investigating_with_the_note(catalogue):
    payload = claim(INVESTIGATING)
    key, variables = status.status_reply(payload, catalogue)
    assert key == "utter_status_in_progress"
    assert variables["next_step"] == payload["next_step_zh"]
    assert variables["typical_duration"] == payload["typical_duration_zh"]
    assert status.extra_replies(payload) == [("utter_status_note", {"note": payload["note"]})]


def test_status_reply_adjusting_with_the_estimate(catalogue):
    payload = claim(ADJUSTING)
    key, _ = status.status_reply(payload, catalogue)
    assert key == "utter_status_in_progress"
    assert status.extra_replies(payload) == [
        ("utter_status_estimate", {"estimated_amount": f"{payload['estimated_amount']:,.2f}"})]


def test_status_reply_wording_comes_from_the_stages_endpoint(catalogue):
    stages = {s["stage"]: s for s in bot_get("/stages")}
    for query in (AWAITING, PAID, REJECTED, INVESTIGATING, ADJUSTING):
        payload = claim(query)
        _, variables = status.status_reply(payload, catalogue)
        assert variables["stage_label"] == stages[payload["stage"]]["label_zh"]
        assert variables["stage_explanation"] == stages[payload["stage"]]["explanation_zh"]

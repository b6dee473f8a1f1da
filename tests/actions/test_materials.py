"""action_answer_materials against the real Claims API's catalogue (subprocess) and real
Redis (db 11). Trackers come from tests/data/materials_*.json."""
from __future__ import annotations

import os
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet

from actions.materials import ActionAnswerMaterials
from bot import materials
from tests.actions.conftest import load_json
from tests.support import claims_stack
from tests.support.claims_stack import bot_get, claims_env, free_port, unlock

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module", autouse=True)
def api():
    with claims_env() as url:
        unlock("BA20261015000101")
        yield url


@pytest.fixture(scope="module")
def catalogue(api):
    return bot_get("/materials")["claim_types"]


def tracker(name: str, text: str = None, intent: str = "ask_materials", entities: list = None,
            before: str = None, **slots: Any) -> Tracker:
    """A tracker from tests/data/<name> with another customer message (and, if given, the
    message before it) and slots."""
    state = load_json(name)
    if text is not None:
        message = {"text": text, "intent": {"name": intent, "confidence": 0.98},
                   "entities": entities or [], "metadata": {}}
        state["latest_message"] = message
        user = next(e for e in state["events"] if e["event"] == "user")
        user["text"], user["parse_data"] = text, dict(message)
    if before is not None:
        state["events"][:0] = [{"event": "user", "text": before, "parse_data": {"text": before}},
                               {"event": "bot", "text": "（问理赔类型）"},
                               {"event": "action", "name": "action_listen"}]
    state["slots"].update(slots)
    return Tracker.from_dict(state)


def claim_type(value: str) -> list:
    return [{"entity": "claim_type", "value": value}]


async def answer(tracker_: Tracker, dispatcher, domain) -> list:
    return await ActionAnswerMaterials().run(dispatcher, tracker_, domain)


def said(dispatcher) -> list:
    """The messages without the SDK's empty fields."""
    return [{k: v for k, v in m.items() if v and k != "template"} for m in dispatcher.messages]


@pytest.mark.parametrize("text, type_", [
    ("车险理赔要哪些材料", "vehicle"),
    ("意外摔伤了 理赔要准备什么", "injury"),
    ("家里水管爆了 理赔要啥材料", "property"),
    ("住院了报销要准备啥", "medical"),
])
async def test_checklist_of_each_claim_type(text, type_, catalogue, dispatcher, domain):
    events = await answer(tracker("materials_question.json", text, entities=claim_type(type_)),
                          dispatcher, domain)

    checklist = materials.checklist_of(type_, catalogue)
    assert events == [SlotSet("materials_claim_type", type_)]
    assert said(dispatcher) == [
        {"response": "utter_materials_list", "claim_label": checklist["label_zh"],
         "checklist": materials.format_checklist(checklist)},
        {"response": "utter_materials_submission",
         "submission": materials.format_submission(checklist)},
    ]


async def test_specific_item(catalogue, dispatcher, domain):
    events = await answer(tracker("materials_question.json", "事故认定书去哪开",
                                  entities=claim_type("vehicle")), dispatcher, domain)

    answer_, _ = materials.match_items("事故认定书", catalogue, "vehicle")
    assert events == []
    assert said(dispatcher) == [{
        "response": "utter_materials_item", "items": materials.format_items(answer_),
        "claim_label": answer_.checklist["label_zh"],
        "submission_names": materials.submission_names(answer_.checklist)}]
    assert "事故责任认定书" in dispatcher.messages[0]["items"]
    assert "交警" in dispatcher.messages[0]["items"]


async def test_how_to_submit(catalogue, dispatcher, domain):
    events = await answer(tracker("materials_question.json", "材料能不能网上交", entities=[]),
                          dispatcher, domain)

    assert events == []
    assert said(dispatcher) == [{"response": "utter_materials_submission",
                                 "submission": materials.format_submission(catalogue[0])}]


async def test_unknown_type_is_asked_with_the_catalogue_types(catalogue, dispatcher, domain):
    events = await answer(tracker("materials_question.json", "理赔需要什么材料", entities=[]),
                          dispatcher, domain)

    assert events == [SlotSet("materials_awaiting_type", True)]
    assert said(dispatcher) == [{"response": "utter_materials_ask_type", "buttons": [
        {"title": c["label_zh"], "payload": f'/ask_materials{{"claim_type": "{c["claim_type"]}"}}'}
        for c in catalogue]}]


async def test_type_given_after_an_ambiguous_item_answers_the_item(catalogue, dispatcher, domain):
    events = await answer(tracker("materials_question.json", "车险", "inform", claim_type("vehicle"),
                                  before="发票丢了怎么办", materials_awaiting_type=True),
                          dispatcher, domain)

    assert events == [SlotSet("materials_awaiting_type", False)]
    assert dispatcher.messages[0]["response"] == "utter_materials_item"
    assert dispatcher.messages[0]["items"].startswith("【维修发票】")


async def test_known_claim_in_progress_adds_what_is_missing(catalogue, dispatcher, domain):
    events = await answer(tracker(
        "materials_question.json", "车险理赔要哪些材料", entities=claim_type("vehicle"),
        status_report_number="BA20261015000101", status_verification="5678",
        status_verification_kind="phone_last4"), dispatcher, domain)

    assert events == [SlotSet("materials_claim_type", "vehicle")]
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_materials_list", "utter_materials_submission", "utter_materials_claim_missing"]
    assert dispatcher.messages[2]["report_number"] == "BA20261015000101"
    assert dispatcher.messages[2]["missing_list"] == materials.format_missing(
        ["维修发票", "车辆损失照片"], catalogue, "vehicle")


async def test_what_is_still_missing_of_the_verified_claim(catalogue, dispatcher, domain):
    events = await answer(tracker(
        "materials_question.json", "我还差什么材料", entities=[],
        status_report_number="BA20261015000101", status_verification="5678",
        status_verification_kind="phone_last4"), dispatcher, domain)

    assert events == []
    assert said(dispatcher) == [{
        "response": "utter_materials_claim_missing", "report_number": "BA20261015000101",
        "missing_list": materials.format_missing(["维修发票", "车辆损失照片"], catalogue, "vehicle")}]


async def test_what_is_still_missing_without_a_claim_starts_the_status_query(dispatcher, domain):
    events = await answer(tracker("materials_question.json", "我还需要补什么资料吗", entities=[]),
                          dispatcher, domain)

    assert events == [FollowupAction("status_form")]
    assert said(dispatcher) == [{"response": "utter_materials_need_claim"}]


async def test_during_a_report_the_report_type_answers(catalogue, dispatcher, domain):
    events = await answer(tracker("materials_question_in_report.json"), dispatcher, domain)

    checklist = materials.checklist_of("medical", catalogue)
    assert events == []
    assert said(dispatcher) == [{
        "response": "utter_materials_checklist", "label": checklist["label_zh"],
        "items": materials.format_checklist(checklist),
        "submission": materials.format_submission(checklist)}]


async def test_during_a_report_without_a_type(dispatcher, domain):
    await answer(tracker("materials_question_in_report.json", intake_claim_type=None),
                 dispatcher, domain)

    assert said(dispatcher) == [{"response": "utter_materials_general"}]


@pytest.fixture
def api_down(api):
    os.environ["CLAIMS_API_URL"] = f"http://127.0.0.1:{free_port()}"
    claims_stack._reset_caches()
    yield
    os.environ["CLAIMS_API_URL"] = api
    claims_stack._reset_caches()


async def test_claims_api_down(api_down, dispatcher, domain):
    events = await answer(tracker("materials_question.json"), dispatcher, domain)

    assert events == []
    assert said(dispatcher) == [{"response": "utter_materials_service_down"}]

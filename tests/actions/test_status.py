"""The status form's validation, the question "which claim?", the answer and the session
start with kept notices: actions/status.py against the real Claims API (subprocess) and
real Redis (db 11). Trackers come from tests/data/status_*.json."""
from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.status import (
    ActionAskStatusChoice,
    ActionQueryStatus,
    ActionSessionStart,
    ActionStatusReset,
    ValidateStatusForm,
)
from bot import materials, status
from channels.settings import PENDING_PREFIX
from tests.actions.conftest import load_json
from tests.support.claims_stack import (
    bot_get,
    claims_env,
    file_injury_claim,
    file_vehicle_claim,
    lookup,
    redis_client,
    unlock,
)

pytestmark = pytest.mark.asyncio

DEMO = {  # demo claims (data/demo/demo_policies.json) and a verification that opens them
    "awaiting_materials": ("BA20261015000101", "phone_last4", "5678"),
    "paid": ("BA20260902000077", "phone_last4", "1111"),
    "rejected": ("BA20261101000233", "id_last6", "285677"),
    "investigating": ("BA20261110000318", "phone_last4", "6666"),
    "adjusting": ("BA20261118000402", "phone_last4", "2222"),
}


@pytest.fixture(scope="module", autouse=True)
def api():
    with claims_env() as url:
        for number, _kind, _value in DEMO.values():
            unlock(number)
        yield url


@pytest.fixture(scope="module")
def catalogue(api):
    return bot_get("/materials")["claim_types"]


def tracker(name: str, text: str = None, intent: str = None, entities: list = None,
            candidates: dict = None, **slots: Any) -> Tracker:
    """A tracker from tests/data/<name>, with another customer message and slots if given;
    `candidates` are slots Rasa's extraction set this turn (validated by the form)."""
    state = load_json(name)
    if text is not None:
        message = {"text": text, "intent": {"name": intent or "inform", "confidence": 0.98},
                   "entities": entities or [], "metadata": {}}
        state["latest_message"] = message
        user = next(e for e in reversed(state["events"]) if e["event"] == "user")
        user["text"], user["parse_data"] = text, dict(message)
        state["events"] = state["events"][:state["events"].index(user) + 1]
    for slot, value in (candidates or {}).items():
        state["events"].append({"event": "slot", "name": slot, "value": value})
        state["slots"][slot] = value
    state["slots"].update(slots)
    return Tracker.from_dict(state)


async def validate(tracker_: Tracker, dispatcher, domain) -> list:
    return await ValidateStatusForm().run(dispatcher, tracker_, domain)


def responses(dispatcher) -> list:
    return [m["response"] for m in dispatcher.messages]


def as_slots(events: list) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


# --- the form: number and verification --------------------------------------------------------


async def test_validate_number_and_verification_in_one_message(dispatcher, domain):
    events = await validate(tracker("status_form_activation.json"), dispatcher, domain)

    assert events == [
        SlotSet("status_number", "BA20261015000101"),
        SlotSet("status_verification", "5678"),
        SlotSet("status_candidates", None),
        SlotSet("status_choice", None),
        SlotSet("status_outcome", None),
        SlotSet("status_verification_kind", "phone_last4"),
        SlotSet("status_outcome", "verified"),
        SlotSet("status_candidates", [{
            "report_no": "BA20261015000101", "claim_type": "vehicle",
            "reported_at": lookup(report_no="BA20261015000101", phone_last4="5678")["reported_at"],
            "incident_place": "北京市朝阳区建国路与东三环交叉口", "stage_label_zh": "待补充材料"}]),
        SlotSet("status_choice", "BA20261015000101"),
        SlotSet("requested_slot", None),
    ]
    assert dispatcher.messages == []


async def test_validate_number_only_asks_for_the_verification(dispatcher, domain):
    events = await validate(tracker(
        "status_form_activation.json", "我的报案号是BA20261110000318，想查一下进度", "query_status",
        [{"entity": "report_number", "value": "BA20261110000318"}],
        candidates={"status_number": "BA20261110000318"}), dispatcher, domain)

    assert events == [
        SlotSet("status_number", "BA20261110000318"),
        SlotSet("status_candidates", None),
        SlotSet("status_choice", None),
        SlotSet("status_outcome", None),
        SlotSet("requested_slot", "status_verification"),
    ]
    assert dispatcher.messages == []


async def test_validate_full_id_number_is_cut_to_its_last_six(dispatcher, domain):
    events = await validate(tracker(
        "status_form_active.json", "330106198309123452", "inform",
        [{"entity": "id_number", "value": "330106198309123452"}],
        status_number="BA20261110000318"), dispatcher, domain)

    slots = as_slots(events)
    assert slots["status_verification"] == "123452"
    assert slots["status_verification_kind"] == "id_last6"
    assert slots["status_outcome"] == "verified"
    assert slots["status_choice"] == "BA20261110000318"
    assert events[-1] == SlotSet("requested_slot", None)


async def test_validate_unclear_number_gets_help(dispatcher, domain):
    events = await validate(tracker("status_form_active.json", "我不记得了", "inform",
                                    requested_slot="status_number", status_number=None),
                            dispatcher, domain)

    assert events == [SlotSet("status_number", None), SlotSet("requested_slot", "status_number")]
    assert responses(dispatcher) == ["utter_status_number_help"]


async def test_validate_malformed_number(dispatcher, domain):
    events = await validate(tracker("status_form_active.json", "BA2026101500", "inform",
                                    requested_slot="status_number", status_number=None),
                            dispatcher, domain)

    assert events == [SlotSet("status_number", None), SlotSet("requested_slot", "status_number")]
    assert responses(dispatcher) == ["utter_status_number_invalid"]


async def test_validate_unclear_verification_gets_a_hint(dispatcher, domain):
    events = await validate(tracker("status_form_active.json", "手机号忘了", "inform"),
                            dispatcher, domain)

    assert events == [SlotSet("status_verification", None), SlotSet("status_verification_kind", None),
                      SlotSet("requested_slot", "status_verification")]
    assert responses(dispatcher) == ["utter_status_verification_invalid"]


async def test_validate_question_in_between_is_left_to_the_rules(dispatcher, domain):
    """Nothing extracted: the form is rejected and data/rules/status.yml answers."""
    events = await validate(tracker("status_form_active.json", "对了，理赔要准备什么材料",
                                    "ask_materials"), dispatcher, domain)

    assert events == [SlotSet("requested_slot", "status_verification")]
    assert dispatcher.messages == []


# --- a failed verification and the lock-out ----------------------------------------------------


async def test_failed_verification_discloses_nothing(dispatcher, domain):
    claim = lookup(report_no="BA20261015000101", phone_last4="5678")
    events = await validate(tracker("status_form_active.json", "0000"), dispatcher, domain)
    unlock("BA20261015000101")

    assert events == [
        SlotSet("status_verification", "0000"),
        SlotSet("status_candidates", None),
        SlotSet("status_choice", None),
        SlotSet("status_outcome", None),
        SlotSet("status_verification_kind", "phone_last4"),
        SlotSet("status_number", None),
        SlotSet("status_verification", None),
        SlotSet("status_verification_kind", None),
        SlotSet("status_report_number", None),
        SlotSet("requested_slot", "status_number"),
    ]
    assert [{k: v for k, v in m.items() if v} for m in dispatcher.messages] == [
        {"response": "utter_status_verification_failed", "template": "utter_status_verification_failed"}]
    said = json.dumps(dispatcher.messages, ensure_ascii=False)
    for fact in (claim["stage_label_zh"], claim["incident_place"], claim["policy_no"],
                 *claim["materials_missing"]):
        assert fact not in said


async def test_unknown_number_is_refused_like_a_wrong_verification(dispatcher, domain):
    await validate(tracker("status_form_active.json", "5678", status_number="BA20991231999999"),
                   dispatcher, domain)
    unlock("BA20991231999999")

    assert responses(dispatcher) == ["utter_status_verification_failed"]


async def test_lock_out_after_repeated_failures(domain):
    report_no = file_vehicle_claim()
    said = []
    for attempt in range(5):
        dispatcher = CollectingDispatcher()
        events = await validate(tracker("status_form_active.json", f"000{attempt}",
                                        status_number=report_no), dispatcher, domain)
        said.append(dispatcher.messages)
    try:
        assert [m[0]["response"] for m in said] == ["utter_status_verification_failed"] * 4 + [
            "utter_status_locked"]
        assert said[-1][0]["minutes"] == 15
        slots = as_slots(events)
        assert slots["status_outcome"] == "locked"
        assert slots["status_number"] is None and slots["status_verification"] is None
        assert events[-1] == SlotSet("requested_slot", None)  # the form ends

        # Locked: even the right answer is refused, and says nothing about the claim.
        dispatcher = CollectingDispatcher()
        await validate(tracker("status_form_active.json", "5678", status_number=report_no),
                       dispatcher, domain)
        assert responses(dispatcher) == ["utter_status_locked"]
        assert report_no not in json.dumps(dispatcher.messages)
    finally:
        unlock(report_no)


def test_locked_response_is_polite_and_says_when(domain):
    text = domain["responses"]["utter_status_locked"][0]["text"]
    assert "{minutes}分钟后再试" in text and "转人工" in text and "敬请谅解" in text


# --- a policy with two claims ----------------------------------------------------------------


@pytest.fixture(scope="module")
def injury_claims(api):
    """The demo accident policy with a second claim: [newest, the paid demo claim]."""
    new = file_injury_claim()
    return [new, "BA20260902000077"]


async def test_policy_with_two_claims_asks_which(injury_claims, dispatcher, domain):
    events = await validate(tracker(
        "status_form_active.json", "18600001111", "inform",
        [{"entity": "phone_number", "value": "18600001111"}],
        status_number="PEAC202601010000002468"), dispatcher, domain)

    slots = as_slots(events)
    assert [c["report_no"] for c in slots["status_candidates"]] == injury_claims
    assert slots["status_outcome"] == "verified"
    assert slots["status_choice"] is None
    assert events[-1] == SlotSet("requested_slot", "status_choice")


async def test_ask_which_claim_lists_them_with_buttons(injury_claims, dispatcher, domain):
    claims = [lookup(report_no=n, phone_last4="1111") for n in injury_claims]
    candidates = [{k: c[k] for k in ("report_no", "claim_type", "reported_at", "incident_place",
                                     "stage_label_zh")} for c in claims]
    events = await ActionAskStatusChoice().run(
        dispatcher, tracker("status_form_active.json", requested_slot="status_choice",
                            status_candidates=candidates), domain)

    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_status_choose_claim"
    assert message["count"] == 2
    assert message["claims"] == status.format_choices(candidates)
    assert message["buttons"] == [
        {"title": f"1. {injury_claims[0]}", "payload": f'/inform{{"report_number": "{injury_claims[0]}"}}'},
        {"title": f"2. {injury_claims[1]}", "payload": f'/inform{{"report_number": "{injury_claims[1]}"}}'},
    ]


async def test_choosing_the_second_claim(injury_claims, dispatcher, domain):
    candidates = [{"report_no": n, "claim_type": "injury"} for n in injury_claims]
    events = await validate(tracker(
        "status_form_active.json", "第二个", requested_slot="status_choice",
        status_number="PEAC202601010000002468", status_verification="1111",
        status_verification_kind="phone_last4", status_outcome="verified",
        status_candidates=candidates), dispatcher, domain)

    assert events == [SlotSet("status_choice", "BA20260902000077"), SlotSet("requested_slot", None)]


async def test_choosing_by_button(injury_claims, dispatcher, domain):
    candidates = [{"report_no": n, "claim_type": "injury"} for n in injury_claims]
    events = await validate(tracker(
        "status_form_active.json", f'/inform{{"report_number": "{injury_claims[0]}"}}', "inform",
        [{"entity": "report_number", "value": injury_claims[0]}],
        candidates={"status_number": injury_claims[0]}, requested_slot="status_choice",
        status_verification="1111", status_verification_kind="phone_last4",
        status_outcome="verified", status_candidates=candidates), dispatcher, domain)

    assert as_slots(events)["status_choice"] == injury_claims[0]
    assert events[-1] == SlotSet("requested_slot", None)


# --- the answer ------------------------------------------------------------------------------


def complete(stage: str) -> Tracker:
    number, kind, value = DEMO[stage]
    return tracker("status_form_complete.json", status_number=number, status_choice=number,
                   status_verification=value, status_verification_kind=kind)


RESET = [SlotSet("status_number", None), SlotSet("status_choice", None),
         SlotSet("status_candidates", None), SlotSet("status_outcome", None)]


@pytest.mark.parametrize("stage", list(DEMO))
async def test_query_status_answers_from_the_payload(stage, catalogue, dispatcher, domain):
    number, kind, value = DEMO[stage]
    claim = lookup(report_no=number, **{kind: value})

    events = await ActionQueryStatus().run(dispatcher, complete(stage), domain)

    assert events == RESET + [SlotSet("status_report_number", number)]
    key, variables = status.status_reply(claim, catalogue)
    expected = [{"response": key, **variables}]
    expected += [{"response": k, **v} for k, v in status.extra_replies(claim)]
    if key == "utter_status_awaiting_materials":
        expected.append({"response": "utter_materials_submission", "submission":
                         materials.format_submission(materials.checklist_of("vehicle", catalogue))})
    assert [{k: v for k, v in m.items() if k in e} for m, e in zip(dispatcher.messages, expected)] == expected
    assert len(dispatcher.messages) == len(expected)


async def test_query_status_awaiting_materials_lists_everything_missing(dispatcher, domain):
    await ActionQueryStatus().run(dispatcher, complete("awaiting_materials"), domain)

    message = dispatcher.messages[0]
    assert message["response"] == "utter_status_awaiting_materials"
    assert message["stage_label"] == "待补充材料"
    assert "1. 维修发票" in message["missing_list"] and "2. 车辆损失照片" in message["missing_list"]


async def test_query_status_paid(dispatcher, domain):
    await ActionQueryStatus().run(dispatcher, complete("paid"), domain)

    message = dispatcher.messages[0]
    assert (message["response"], message["paid_amount"], message["account_tail"]) == (
        "utter_status_paid", "8,650.00", "6821")
    assert message["paid_date"].endswith("日")


async def test_query_status_rejected(dispatcher, domain):
    await ActionQueryStatus().run(dispatcher, complete("rejected"), domain)

    message = dispatcher.messages[0]
    assert message["response"] == "utter_status_rejected"
    assert message["rejection_reason"] == "本次住院发生在保单约定的30天等待期内"
    assert message["rejection_clause"] == "《百万医疗保险条款》第七条 等待期"
    assert "复核" in message["appeal"]


async def test_query_status_investigating(dispatcher, domain):
    await ActionQueryStatus().run(dispatcher, complete("investigating"), domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_status_in_progress", "utter_status_note"]
    assert dispatcher.messages[0]["stage_label"] == "调查核实中"
    assert dispatcher.messages[1]["note"] == "已安排查勘员现场查勘,预计3个工作日内联系您"


async def test_query_status_after_a_lock_out_says_nothing_more(dispatcher, domain):
    events = await ActionQueryStatus().run(dispatcher, tracker(
        "status_form_complete.json", status_outcome="locked", status_choice=None), domain)

    assert events == RESET
    assert dispatcher.messages == []


async def test_status_reset(dispatcher, domain):
    assert await ActionStatusReset().run(dispatcher, complete("paid"), domain) == RESET


# --- notices kept for the next visit ---------------------------------------------------------


async def test_session_start_shows_kept_notices_once(dispatcher, domain):
    state = load_json("session_start.json")
    state["sender_id"] = f"rest-{uuid.uuid4().hex[:10]}"
    client = redis_client()
    key = PENDING_PREFIX + state["sender_id"]
    for text in ("【理赔进度通知】第一条", "【理赔进度通知】第二条"):
        client.rpush(key, json.dumps({"id": text, "text": text, "kind": "notice"}, ensure_ascii=False))

    events = await ActionSessionStart().run(dispatcher, Tracker.from_dict(state), domain)

    assert [m["text"] for m in dispatcher.messages] == ["【理赔进度通知】第一条", "【理赔进度通知】第二条"]
    assert events == [SessionStarted(), SlotSet("materials_claim_type", "vehicle"),
                      ActionExecuted("action_listen")]
    assert not client.exists(key)

    again = type(dispatcher)()
    await ActionSessionStart().run(again, Tracker.from_dict(state), domain)
    assert again.messages == []

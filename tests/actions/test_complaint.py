"""actions/complaint.py; recording against the real Claims API (tests/actions/conftest.py)."""
import pytest
import requests
from rasa_sdk.events import SlotSet

from actions.complaint import (ActionAskComplaintConfirmed, ActionSubmitComplaint,
                               ValidateComplaintForm)
from tests.actions.handoff_trackers import turn

pytestmark = pytest.mark.asyncio
STAFF_TOKEN = "demo-staff-token"


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


async def test_the_complaint_itself_is_taken_when_the_form_starts(dispatcher, domain):
    form = ValidateComplaintForm()
    tracker = turn("你们理赔员态度太差了 电话也不接", "complain")
    assert await form.extract_complaint_summary(dispatcher, tracker, domain) == {
        "complaint_summary": "你们理赔员态度太差了 电话也不接"}
    assert form.validate_complaint_summary("你们理赔员态度太差了 电话也不接", dispatcher, tracker,
                                           domain) == {
        "complaint_summary": "你们理赔员态度太差了 电话也不接", "complaint_category": "service_attitude"}


async def test_a_bare_complaint_is_asked_what_about(dispatcher, domain):
    form = ValidateComplaintForm()
    tracker = turn("我要投诉", "complain", entities=[])
    assert form.validate_complaint_summary("我要投诉", dispatcher, tracker, domain) == {
        "complaint_summary": None}
    answer = turn("定损员压价 只给三千", "inform", entities=[], active_loop="complaint_form",
                  slots={"requested_slot": "complaint_summary"})
    assert await form.extract_complaint_summary(dispatcher, answer, domain) == {
        "complaint_summary": "定损员压价 只给三千"}


async def test_leaving_is_not_taken_as_the_complaint(dispatcher, domain):
    tracker = turn("转人工", "request_human", entities=[], active_loop="complaint_form",
                   slots={"requested_slot": "complaint_summary"})
    assert await ValidateComplaintForm().extract_complaint_summary(dispatcher, tracker, domain) == {}


@pytest.mark.parametrize("text, intent, expected", [
    ("对", "affirm", {"complaint_confirmed": True}),
    ("不对", "deny", {"complaint_confirmed": False}),
    ("还有 理赔员一直不回电话", "inform",
     {"complaint_summary": "等了一个月；还有 理赔员一直不回电话"}),
])
async def test_the_answer_to_the_restatement(dispatcher, domain, text, intent, expected):
    tracker = turn(text, intent, entities=[], active_loop="complaint_form",
                   slots={"requested_slot": "complaint_confirmed", "complaint_summary": "等了一个月"})
    assert await ValidateComplaintForm().extract_complaint_confirmed(dispatcher, tracker, domain) == expected


async def test_a_wrong_restatement_asks_again(dispatcher, domain):
    tracker = turn("不对", "deny", entities=[])
    assert ValidateComplaintForm().validate_complaint_confirmed(False, dispatcher, tracker, domain) == {
        "complaint_confirmed": None, "complaint_summary": None, "complaint_category": None}


async def test_restatement_uses_the_category_and_their_words(dispatcher, domain):
    tracker = turn("x", "complain", entities=[],
                   slots={"complaint_summary": "定损员压价 只给三千", "complaint_category": None})
    events = await ActionAskComplaintConfirmed().run(dispatcher, tracker, domain)
    assert events == [SlotSet("complaint_category", "payout_amount")]
    message = dispatcher.messages[0]
    assert (message["response"], message["summary"], message["category_label"]) == (
        "utter_complaint_restate", "定损员压价 只给三千", "赔付金额或定损金额不合理的问题")


async def test_submit_records_the_complaint_and_offers_an_agent(intake_stack, dispatcher, domain):
    tracker = turn("对", "affirm", entities=[], sender_id="complaint-conv-1",
                   slots={"complaint_summary": "理赔员态度太差 电话也不接",
                          "complaint_category": "service_attitude", "complaint_confirmed": True,
                          "intake_contact_phone": "13812345678",
                          "report_last_number": "BA20261015000101"})
    events = await ActionSubmitComplaint().run(dispatcher, tracker, domain)
    number = events[-1]["value"]
    assert number.startswith("TS")
    assert events == [SlotSet("complaint_summary", None), SlotSet("complaint_confirmed", None),
                      SlotSet("complaint_category", None), SlotSet("handoff_offered", True),
                      SlotSet("handoff_reason", "complaint"), SlotSet("handoff_pending_message", None),
                      SlotSet("complaint_number", number)]
    assert responses(dispatcher) == ["utter_complaint_recorded", "utter_offer_handoff"]
    assert number in dispatcher.messages[0]["expected_response"]
    listed = requests.get(f"{intake_stack.api.url}/complaints",
                          headers={"Authorization": f"Bearer {STAFF_TOKEN}"}, timeout=10).json()
    mine = next(c for c in listed if c["complaint_no"] == number)
    assert (mine["conversation_id"], mine["summary"], mine["category"], mine["channel"],
            mine["report_no"], mine["contact_phone"]) == (
        "complaint-conv-1", "理赔员态度太差 电话也不接", "service_attitude", "socketio",
        "BA20261015000101", "13812345678")


async def test_submit_when_the_claims_api_is_down(api_down, dispatcher, domain):
    tracker = turn("对", "affirm", entities=[],
                   slots={"complaint_summary": "等了一个月", "complaint_confirmed": True})
    events = await ActionSubmitComplaint().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_complaint_unavailable", "utter_offer_handoff"]
    assert SlotSet("handoff_offered", True) in events
    assert not any(e["name"] == "complaint_number" for e in events)

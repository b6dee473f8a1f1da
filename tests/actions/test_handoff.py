"""actions/handoff.py with a real Redis (database 10)."""
import json

import pytest
import redis
from rasa_sdk.events import (ActionExecuted, ActiveLoop, ConversationPaused, FollowupAction,
                             SlotSet, UserUtteranceReverted)

from actions import handoff as actions
from bot import handoff
from bot.config import get_settings
from tests.actions.handoff_trackers import emotion, turn
from tests.support.redis_db import redis_url_for

pytestmark = pytest.mark.asyncio
REDIS_URL = redis_url_for(10)


def reset_clients():
    get_settings.cache_clear()
    actions.redis_client.cache_clear()


@pytest.fixture
def store(monkeypatch):
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("HANDOFF_HOURS", "08:00-22:00")
    monkeypatch.setenv("HANDOFF_DAYS", "1-7")
    monkeypatch.setenv("HANDOFF_AVG_MINUTES", "4")
    reset_clients()
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    for key in client.scan_iter("handoff:*"):
        client.delete(key)
    yield client
    for key in client.scan_iter("handoff:*"):
        client.delete(key)
    client.close()
    reset_clients()


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


def request_turn(**kwargs):
    return turn("转人工", "request_human", entities=[], **kwargs)


async def test_request_queues_and_pauses(store, dispatcher, domain):
    events = await actions.ActionHandoffRequest().run(dispatcher, request_turn(), domain)
    assert events == [
        SlotSet("handoff_trigger", None), SlotSet("handoff_offered", False),
        SlotSet("handoff_pending_message", None), SlotSet("handoff_reason", "request"),
        SlotSet("handoff_reasons_done", ["request"]), ConversationPaused(),
        ActionExecuted("action_listen"),
    ]
    assert dispatcher.messages[0]["response"] == "utter_handoff_queued"
    assert (dispatcher.messages[0]["position"], dispatcher.messages[0]["wait"]) == (1, 4)
    session = handoff.session(store, "handoff-test")
    assert (session["state"], session["channel"], session["reason"]) == ("waiting", "socketio", "request")
    assert session["summary"] == "转人工"


async def test_request_twice_tells_the_place_again(store, dispatcher, domain):
    await actions.ActionHandoffRequest().run(dispatcher, request_turn(sender_id="other"), domain)
    await actions.ActionHandoffRequest().run(dispatcher, request_turn(), domain)
    await actions.ActionHandoffRequest().run(dispatcher, request_turn(), domain)
    assert responses(dispatcher) == ["utter_handoff_queued", "utter_handoff_queued",
                                     "utter_handoff_still_waiting"]
    assert dispatcher.messages[2]["position"] == 2


async def test_request_leaves_an_active_form(store, dispatcher, domain):
    events = await actions.ActionHandoffRequest().run(
        dispatcher, request_turn(active_loop="status_form"), domain)
    assert ActiveLoop(None) in events and ConversationPaused() in events


async def test_two_fallbacks_are_transferred_with_an_apology(store, dispatcher, domain):
    tracker = turn("啊吧啊吧", "nlu_fallback", entities=[], slots={"handoff_trigger": "fallback"})
    events = await actions.ActionHandoffRequest().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_handoff_intro_fallback", "utter_handoff_queued"]
    assert SlotSet("handoff_reason", "fallback") in events
    assert handoff.session(store, "handoff-test")["reason"] == "fallback"


async def test_accepted_offer_keeps_its_reason(store, dispatcher, domain):
    tracker = turn("好的", "affirm", entities=[],
                   slots={"handoff_offered": True, "handoff_reason": "complaint"})
    await actions.ActionHandoffRequest().run(dispatcher, tracker, domain)
    assert handoff.session(store, "handoff-test")["reason"] == "complaint"


async def test_request_out_of_hours_starts_a_callback_request(store, dispatcher, domain, monkeypatch):
    monkeypatch.setenv("HANDOFF_HOURS", "09:00-18:00")
    tracker = request_turn(message_time="2026-11-22T23:10:00+08:00",
                           slots={"intake_contact_phone": "13812345678"})
    events = await actions.ActionHandoffRequest().run(dispatcher, tracker, domain)
    assert dispatcher.messages == [{**dispatcher.messages[0], "response": "utter_handoff_after_hours",
                                    "hours": "每天 09:00-18:00"}]
    assert events[-4:] == [SlotSet("handoff_reasons_done", ["request"]),
                           SlotSet("callback_phone", "13812345678"), SlotSet("callback_time", None),
                           FollowupAction("callback_form")]
    assert not store.exists(handoff.session_key("handoff-test"))


async def test_request_when_redis_is_down(store, dispatcher, domain, monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    reset_clients()
    events = await actions.ActionHandoffRequest().run(dispatcher, request_turn(), domain)
    assert responses(dispatcher) == ["utter_handoff_unavailable"]
    assert ConversationPaused() not in events


async def test_offer_keeps_the_interrupted_message(dispatcher, domain):
    tracker = turn("查了半天还是没结果 你们到底行不行", "query_status")
    events = await actions.ActionOfferHandoff().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_offer_handoff"]
    pending = {"text": "查了半天还是没结果 你们到底行不行", "parse_data": {
        "intent": {"name": "query_status", "confidence": 0.9}, "entities": [emotion("angry")],
        "text": "查了半天还是没结果 你们到底行不行", "message_id": "m-latest"}}
    assert events == [SlotSet("handoff_offered", True), SlotSet("handoff_reason", "anger"),
                      SlotSet("handoff_pending_message", pending), SlotSet("emotion_angry_streak", 0)]


async def test_declined_offer_hands_the_message_back(dispatcher, domain):
    pending = {"text": "查一下进度", "parse_data": {"intent": {"name": "query_status"},
                                                    "entities": [], "text": "查一下进度",
                                                    "message_id": "m-angry"}}
    tracker = turn("不用", "deny", entities=[],
                   slots={"handoff_offered": True, "handoff_pending_message": pending})
    events = await actions.ActionDeclineHandoff().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_handoff_declined"]
    assert events == [
        UserUtteranceReverted(), ActionExecuted("action_listen"),
        {"event": "user", "text": "查一下进度", "parse_data": pending["parse_data"],
         "message_id": "m-angry", "input_channel": "socketio",
         "metadata": {"redispatched": True}, "timestamp": None},
        SlotSet("handoff_offered", False), SlotSet("handoff_pending_message", None),
        SlotSet("handoff_trigger", None)]


async def test_declined_offer_after_a_complaint(dispatcher, domain):
    tracker = turn("不用了", "deny", entities=[], slots={"handoff_offered": True})
    events = await actions.ActionDeclineHandoff().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_handoff_declined_anything_else"]
    assert events == [SlotSet("handoff_offered", False), SlotSet("handoff_pending_message", None),
                      SlotSet("handoff_trigger", None)]


async def test_resume_asks_for_a_rating(dispatcher, domain):
    tracker = turn("EXTERNAL: EXTERNAL_handoff_ended", "EXTERNAL_handoff_ended", entities=[])
    events = await actions.ActionHandoffResume().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_handoff_resumed", "utter_ask_rating"]
    assert events == [SlotSet("rating_requested", True), SlotSet("handoff_rating_recorded", False),
                      SlotSet("satisfaction_rating", None), SlotSet("emotion_angry_streak", 0),
                      SlotSet("nlu_fallback_streak", 0)]
    buttons = domain["responses"]["utter_ask_rating"][0]["buttons"]
    assert [b["title"] for b in buttons] == ["1分", "2分", "3分", "4分", "5分"]


@pytest.mark.parametrize("rating, response", [(5, "utter_rating_thanks"), (2, "utter_rating_thanks_low")])
async def test_store_rating(store, dispatcher, domain, rating, response):
    handoff.request(store, "handoff-test", "socketio", "request")
    store.hset(handoff.session_key("handoff-test"), mapping={"state": "ended", "agent": "demo"})
    tracker = turn(str(rating), "inform", entities=[],
                   slots={"satisfaction_rating": rating, "handoff_rating_recorded": True})
    events = await actions.ActionStoreRating().run(dispatcher, tracker, domain)
    assert events == []
    assert responses(dispatcher) == [response] and dispatcher.messages[0]["rating"] == rating
    rated = [f for _, f in store.xrange(handoff.EVENTS) if f["type"] == "rated"]
    assert json.loads(rated[-1]["data"])["rating"] == rating


async def test_callback_form_validation(dispatcher, domain):
    form = actions.ValidateCallbackForm()
    tracker = turn("138 1234 5678", "inform", entities=[], active_loop="callback_form",
                   slots={"requested_slot": "callback_phone"})
    assert await form.extract_callback_phone(dispatcher, tracker, domain) == {
        "callback_phone": "13812345678"}
    wrong = turn("12345", "goodbye", entities=[], active_loop="callback_form",
                 slots={"requested_slot": "callback_phone"})
    assert await form.extract_callback_phone(dispatcher, wrong, domain) == {"callback_phone": "12345"}
    assert form.validate_callback_phone("12345", dispatcher, tracker, domain) == {"callback_phone": None}
    assert form.validate_callback_time("明天上午十点后", dispatcher, tracker, domain) == {
        "callback_time": "明天上午十点后"}
    assert form.validate_callback_time("。。。", dispatcher, tracker, domain) == {"callback_time": None}
    assert responses(dispatcher) == ["utter_invalid_callback_phone", "utter_invalid_callback_time"]


async def test_submit_callback_records_a_reference(store, dispatcher, domain, monkeypatch):
    monkeypatch.setenv("HANDOFF_HOURS", "09:00-18:00")
    tracker = turn("明天上午", "inform", entities=[], message_time="2026-11-22T23:10:00+08:00",
                   slots={"callback_phone": "13812345678", "callback_time": "明天上午",
                          "handoff_reason": "request"})
    events = await actions.ActionSubmitCallback().run(dispatcher, tracker, domain)
    reference = events[0]["value"]
    assert events == [SlotSet("callback_reference", reference)] and reference.startswith("HD")
    message = dispatcher.messages[0]
    assert (message["response"], message["reference"], message["opening"]) == (
        "utter_callback_recorded", reference, "明天 09:00")
    recorded = [f for _, f in store.xrange(handoff.EVENTS) if f["type"] == "callback"][-1]
    assert json.loads(recorded["data"])["phone"] == "13812345678"

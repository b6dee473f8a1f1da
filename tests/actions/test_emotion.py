"""actions/emotion.py: the first reply to an emotional message and the turn's signals."""
import pytest
from rasa_sdk.events import SlotSet

from actions.emotion import ActionValidateSlotMappings, parse_rating
from tests.actions.handoff_trackers import emotion, turn

pytestmark = pytest.mark.asyncio


async def run(tracker, dispatcher, domain):
    return await ActionValidateSlotMappings().run(dispatcher, tracker, domain)


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


async def test_angry_status_query_is_acknowledged_first(dispatcher, domain):
    events = await run(turn(), dispatcher, domain)
    assert events == [SlotSet("emotion", "angry"), SlotSet("emotion_acknowledged", True),
                      SlotSet("emotion_angry_streak", 1), SlotSet("emotion_observed_message", "m-latest")]
    assert responses(dispatcher) == ["utter_ack_angry_query_status"]


async def test_second_angry_message_in_a_row_asks_for_an_offer(dispatcher, domain):
    tracker = turn("查了半天还是没结果 你们到底行不行", "query_status",
                   slots={"emotion_angry_streak": 1, "emotion": "angry"})
    events = await run(tracker, dispatcher, domain)
    assert events == [SlotSet("emotion_acknowledged", True), SlotSet("handoff_trigger", "anger"),
                      SlotSet("emotion_angry_streak", 2), SlotSet("emotion_observed_message", "m-latest")]
    assert responses(dispatcher) == ["utter_ack_angry_query_status"]


async def test_second_angry_message_inside_a_form_gets_a_hint(dispatcher, domain):
    tracker = turn("你们到底要我等多久", "inform", slots={"emotion_angry_streak": 1},
                   active_loop="status_form")
    events = await run(tracker, dispatcher, domain)
    assert responses(dispatcher) == ["utter_ack_angry", "utter_offer_handoff_inline"]
    assert SlotSet("handoff_trigger", "anger") not in events
    assert SlotSet("emotion_angry_streak", 1) not in events  # stays 0 after the hint


async def test_calm_message_ends_the_angry_streak(dispatcher, domain):
    tracker = turn("好的 报案号是BA20261015000101", "inform", entities=[],
                   slots={"emotion_angry_streak": 1, "emotion": "angry"})
    events = await run(tracker, dispatcher, domain)
    assert events == [SlotSet("emotion", None), SlotSet("emotion_angry_streak", 0), SlotSet("emotion_observed_message", "m-latest")]
    assert dispatcher.messages == []


async def test_abuse_gets_a_calm_boundary(dispatcher, domain):
    tracker = turn("你他妈能不能快点查", "query_status", entities=[emotion("angry", abuse=True)])
    await run(tracker, dispatcher, domain)
    assert responses(dispatcher) == ["utter_ack_abuse_query_status"]


async def test_anxious_report_gets_safety_first_once(dispatcher, domain):
    tracker = turn("刚撞车了 我好慌 现在该怎么办", "report_claim", entities=[emotion("anxious")])
    events = await run(tracker, dispatcher, domain)
    assert responses(dispatcher) == ["utter_ack_anxious_report_claim"]
    assert SlotSet("emotion_safety_given", True) in events
    dispatcher.messages.clear()
    again = turn("还是好慌", "report_claim", entities=[emotion("anxious")],
                 slots={"emotion_safety_given": True})
    await run(again, dispatcher, domain)
    assert dispatcher.messages == []  # the report form greets upset customers itself


async def test_nothing_is_added_while_a_report_is_taken(dispatcher, domain):
    tracker = turn("你们怎么问这么多 烦死了", "inform", active_loop="report_form",
                   slots={"emotion_angry_streak": 1})
    events = await run(tracker, dispatcher, domain)
    # The form's own empathy line answers the anger; only the way to an agent is added.
    assert responses(dispatcher) == ["utter_offer_handoff_inline"]
    assert events == [SlotSet("emotion", "angry"), SlotSet("emotion_angry_streak", 0), SlotSet("emotion_observed_message", "m-latest")]


async def test_a_death_gets_condolence_and_a_transfer_once(dispatcher, domain):
    tracker = turn("我爸昨天出车祸去世了", "report_claim", entities=[emotion("sad", bereavement=True)])
    events = await run(tracker, dispatcher, domain)
    assert responses(dispatcher) == ["utter_ack_bereavement"]
    assert SlotSet("handoff_trigger", "death") in events
    dispatcher.messages.clear()
    later = turn("他的保单还在我这", "inform", entities=[emotion("sad", bereavement=True)],
                 slots={"handoff_reasons_done": ["death"]})
    events = await run(later, dispatcher, domain)
    assert responses(dispatcher) == ["utter_ack_bereavement"]
    assert SlotSet("handoff_trigger", "death") not in events


async def test_two_fallbacks_in_a_row_ask_for_a_transfer(dispatcher, domain):
    tracker = turn("啊吧啊吧", "nlu_fallback", entities=[], slots={"nlu_fallback_streak": 1})
    events = await run(tracker, dispatcher, domain)
    assert events == [SlotSet("handoff_trigger", "fallback"), SlotSet("nlu_fallback_streak", 0),
                      SlotSet("emotion_observed_message", "m-latest")]


async def test_first_fallback_only_counts(dispatcher, domain):
    events = await run(turn("啊吧啊吧", "nlu_fallback", entities=[]), dispatcher, domain)
    assert events == [SlotSet("nlu_fallback_streak", 1), SlotSet("emotion_observed_message", "m-latest")]


async def test_dispute_after_refused_coverage_asks_for_a_transfer(dispatcher, domain):
    tracker = turn("这不合理 我不接受", "deny", entities=[],
                   slots={"intake_coverage_refused": True})
    events = await run(tracker, dispatcher, domain)
    assert SlotSet("handoff_trigger", "dispute") in events


@pytest.mark.parametrize("text", ["5", "5分", "给4分吧", "五星", "满分", "⭐⭐⭐"])
async def test_rating_answer_is_recognised(text, dispatcher, domain):
    tracker = turn(text, "inform", entities=[emotion("angry")],
                   slots={"rating_requested": True, "emotion_angry_streak": 1})
    events = await run(tracker, dispatcher, domain)
    assert SlotSet("satisfaction_rating", parse_rating(text)) in events
    assert SlotSet("handoff_rating_recorded", True) in events
    assert SlotSet("rating_requested", False) in events
    assert dispatcher.messages == []


async def test_rating_button_payload_is_recognised(dispatcher, domain):
    tracker = turn('/inform{"satisfaction_rating": "2"}', "inform",
                   entities=[{"entity": "satisfaction_rating", "value": "2"}],
                   slots={"rating_requested": True})
    events = await run(tracker, dispatcher, domain)
    assert SlotSet("satisfaction_rating", 2) in events


async def test_not_a_rating_lets_the_message_through(dispatcher, domain):
    tracker = turn("我还想问一下要什么材料", "ask_materials", entities=[],
                   slots={"rating_requested": True})
    events = await run(tracker, dispatcher, domain)
    assert SlotSet("rating_requested", False) in events
    assert not any(e["name"] == "handoff_rating_recorded" for e in events)


async def test_an_ignored_offer_is_withdrawn(dispatcher, domain):
    tracker = turn("车险要什么材料", "ask_materials", entities=[],
                   slots={"handoff_offered": True, "handoff_pending_message": {"text": "x"}})
    events = await run(tracker, dispatcher, domain)
    assert SlotSet("handoff_offered", False) in events
    assert SlotSet("handoff_pending_message", None) in events


async def test_a_message_is_handled_once(dispatcher, domain):
    """Rasa calls the hook again when a form activates on the same message."""
    tracker = turn(slots={"emotion_observed_message": "m-latest"})
    assert await run(tracker, dispatcher, domain) == []
    assert dispatcher.messages == []


async def test_nothing_while_an_agent_has_the_conversation(dispatcher, domain):
    assert await run(turn(paused=True), dispatcher, domain) == []
    assert dispatcher.messages == []


async def test_nothing_for_external_intents(dispatcher, domain):
    assert await run(turn("EXTERNAL: EXTERNAL_handoff_ended", "EXTERNAL_handoff_ended",
                          entities=[]), dispatcher, domain) == []


@pytest.mark.parametrize("text, expected", [
    ("1", 1), ("3分", 3), ("我打5分", 5), ("四星", 4), ("5分吧！", 5), ("★★", 2),
    ("6", None), ("15", None), ("我要投诉", None), ("5分钟后再说", None), ("", None),
])
def test_parse_rating(text, expected):
    assert parse_rating(text) == expected

"""De-escalation, escalation, complaints and the after-hours callback, as conversations with
the running assistant over Rasa's REST channel (tests/e2e_handoff/stack.py)."""
from __future__ import annotations

import json
import sqlite3
import urllib.request
import uuid
from typing import List

import pytest

from tests.channels.processes import STAFF_TOKEN
from tests.e2e_handoff import texts
from tests.e2e_handoff.stack import AFTER_HOURS, AgentConsole, rest, tracker, wait_for

ABUSE_WORDS = ("他妈", "傻逼", "滚", "废物", "垃圾")


def say(stack, sender: str, text: str, message_time=None) -> List[str]:
    return [m.get("text") or "" for m in rest(stack, sender, text, message_time)]


def new_sender() -> str:
    return "conv-" + uuid.uuid4().hex[:16]


def handoff_session(stack, conversation_id: str):
    return AgentConsole(stack.webapp_url, "xiaowang").login().conversation(conversation_id)["handoff"]


# --- de-escalation ---------------------------------------------------------------------------


def test_angry_status_question_is_acknowledged_then_answered(stack, sender):
    replies = say(stack, sender, "都一个月了还没赔，你们干什么吃的")
    assert texts.is_("utter_ack_angry_query_status", replies[0]), replies
    assert len(replies) >= 2  # the status query carries on: one concrete next step
    assert not any(texts.is_("utter_offer_handoff", r) for r in replies)


def test_acknowledgements_vary(stack):
    seen = {say(stack, new_sender(), "等了这么久还没到账 你们到底在搞什么")[0] for _ in range(8)}
    assert all(texts.is_("utter_ack_angry_query_status", s) for s in seen), seen
    assert len(seen) >= 2


def test_anxiety_after_an_accident_gets_safety_first(stack, sender):
    replies = say(stack, sender, "刚才在高速上被追尾了 我好害怕 现在该怎么办")
    assert texts.is_("utter_ack_anxious_report_claim", replies[0]), replies
    assert "120" in replies[0]
    assert len(replies) >= 2  # then the report starts


def test_grief_gets_condolence_and_a_human_agent(stack, sender):
    replies = say(stack, sender, "我父亲昨天出车祸去世了 他买过意外险")
    assert texts.is_("utter_ack_bereavement", replies[0]), replies
    assert texts.is_("utter_handoff_queued", replies[-1]), replies
    assert tracker(stack, sender)["paused"] is True
    assert handoff_session(stack, sender)["reason"] == "death"


def test_abuse_gets_a_calm_boundary_never_a_mirror(stack, sender):
    replies = say(stack, sender, "你他妈能不能快点查我的理赔进度")
    assert texts.is_("utter_ack_abuse_query_status", replies[0]), replies
    assert not any(word in reply for reply in replies for word in ABUSE_WORDS)


def test_a_neutral_question_gets_no_acknowledgement(stack, sender):
    replies = say(stack, sender, "车险理赔需要准备哪些材料")
    assert not any(texts.is_(name, replies[0]) for name in texts.responses()
                   if name.startswith("utter_ack_")), replies


# --- escalation ------------------------------------------------------------------------------


def test_anger_twice_offers_an_agent_and_a_no_carries_on(stack, sender):
    first = say(stack, sender, "你们这理赔流程到底怎么走的 说了半天都说不清楚")
    assert texts.is_("utter_ack_angry_ask_process", first[0]), first
    second = say(stack, sender, "理赔到底要走哪些步骤 你们说清楚点行不行 烦死了")
    assert texts.is_("utter_ack_angry_ask_process", second[0]), second
    assert texts.is_("utter_offer_handoff", second[-1]), second
    declined = say(stack, sender, "不用了")
    assert texts.is_("utter_handoff_declined", declined[0]), declined
    assert len(declined) >= 2  # the process question is answered after all
    assert tracker(stack, sender)["paused"] is False
    events = tracker(stack, sender)["events"]
    redispatched = [e for e in events if e["event"] == "user"
                    and (e.get("metadata") or {}).get("redispatched")]
    assert [e["text"] for e in redispatched] == ["理赔到底要走哪些步骤 你们说清楚点行不行 烦死了"]


def test_anger_twice_offer_accepted_goes_to_the_queue(stack, sender):
    say(stack, sender, "你们这理赔流程到底怎么走的 说了半天都说不清楚")
    second = say(stack, sender, "理赔到底要走哪些步骤 你们说清楚点行不行 烦死了")
    assert texts.is_("utter_offer_handoff", second[-1]), second
    accepted = say(stack, sender, "好的")
    assert texts.is_("utter_handoff_queued", accepted[-1]), accepted
    assert handoff_session(stack, sender)["reason"] == "anger"


def test_anger_twice_inside_a_form_gets_the_way_to_an_agent(stack, sender):
    say(stack, sender, "都一个月了还没赔，你们干什么吃的")  # the status query asks its question
    second = say(stack, sender, "到底什么时候能赔下来 我都问了好几次了 烦死了")
    assert texts.is_("utter_ack_angry_query_status", second[0]), second
    assert any(texts.is_("utter_offer_handoff_inline", r) for r in second), second
    assert tracker(stack, sender)["paused"] is False


def test_two_fallbacks_in_a_row_go_to_an_agent(stack, sender):
    # The NLU's fallback itself is the NLU's business; here, what the dialogue does with it.
    first = say(stack, sender, "/nlu_fallback")
    assert texts.is_("utter_default", first[-1]), first
    second = say(stack, sender, "/nlu_fallback")
    assert texts.is_("utter_handoff_intro_fallback", second[0]), second
    assert texts.is_("utter_handoff_queued", second[-1]), second
    assert handoff_session(stack, sender)["reason"] == "fallback"


def test_request_human_goes_to_the_queue(stack, sender):
    replies = say(stack, sender, "转人工")
    assert texts.is_("utter_handoff_queued", replies[-1]), replies
    session = handoff_session(stack, sender)
    assert (session["state"], session["channel"], session["reason"]) == ("waiting", "rest", "request")
    assert say(stack, sender, "人呢") == []  # paused: the agent will read it


# --- complaints -------------------------------------------------------------------------------


def complaints(stack) -> list:
    request = urllib.request.Request(f"{stack.claims_api_url}/complaints",
                                     headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode())


def test_complaint_is_restated_recorded_and_an_agent_offered(stack, sender):
    replies = say(stack, sender, "我要投诉你们的理赔员 电话一直打不通 微信也不回")
    restated = replies[texts.first("utter_complaint_restate", replies)]
    assert "联系不上工作人员" in restated and "电话一直打不通" in restated
    recorded = say(stack, sender, "对")
    number = next(c for c in complaints(stack) if c["conversation_id"] == sender)["complaint_no"]
    assert texts.is_("utter_complaint_recorded", recorded[0]) and number in recorded[0], recorded
    assert "1个工作日内" in recorded[0]  # what happens next, and when
    assert texts.is_("utter_offer_handoff", recorded[-1]), recorded
    assert texts.is_("utter_handoff_declined_anything_else", say(stack, sender, "不用了")[0])


def test_complaint_restatement_corrected_before_recording(stack, sender):
    asked = say(stack, sender, "我要投诉")
    assert texts.is_("utter_ask_complaint_summary", asked[-1]), asked
    first = say(stack, sender, "定损给的钱太少了")
    assert "赔付金额或定损金额不合理" in first[-1]
    again = say(stack, sender, "不对")
    assert texts.is_("utter_ask_complaint_summary", again[-1]), again
    second = say(stack, sender, "查勘员态度很差 对我大呼小叫")
    assert "工作人员服务态度" in second[-1]
    say(stack, sender, "对的")
    mine = [c for c in complaints(stack) if c["conversation_id"] == sender]
    assert [(c["summary"], c["category"]) for c in mine] == [("查勘员态度很差 对我大呼小叫",
                                                              "service_attitude")]


def test_angry_complaint_is_acknowledged_before_the_restatement(stack, sender):
    replies = say(stack, sender, "你们服务太烂了 我要投诉 等了两个月都没人管")
    assert texts.is_("utter_ack_angry_complain", replies[0]), replies
    assert texts.first("utter_complaint_restate", replies) > 0


# --- outside working hours ------------------------------------------------------------------------


def test_after_hours_the_customer_leaves_a_callback_request(stack, sender):
    night = AFTER_HOURS
    replies = say(stack, sender, "转人工", night)
    assert texts.is_("utter_handoff_after_hours", replies[0]), replies
    assert stack.env["HANDOFF_HOURS"] in replies[0]
    assert texts.is_("utter_ask_callback_phone", replies[-1]), replies
    assert tracker(stack, sender)["paused"] is False
    invalid = say(stack, sender, "12345", night)
    assert texts.is_("utter_invalid_callback_phone", invalid[0]), invalid
    asked = say(stack, sender, "13812345678", night)
    assert texts.is_("utter_ask_callback_time", asked[-1]) and "13812345678" in asked[-1]
    done = say(stack, sender, "明天上午十点以后", night)
    assert texts.is_("utter_callback_recorded", done[-1]), done
    reference = tracker(stack, sender)["slots"]["callback_reference"]
    assert reference.startswith("HD") and reference in done[-1]
    agent = AgentConsole(stack.webapp_url, "xiaoli").login()
    listed = wait_for(lambda: [c for c in agent.queue()["callbacks"] if c["reference"] == reference])
    assert (listed[0]["phone"], listed[0]["preferred_time"], listed[0]["conversation_id"]) == (
        "13812345678", "明天上午十点以后", sender)
    agent.call("POST", f"/agent/api/callbacks/{reference}/done")
    with sqlite3.connect(stack.work_dir / "webapp.db") as db:
        assert db.execute("SELECT status, handled_by FROM callback_requests WHERE reference = ?",
                          (reference,)).fetchone() == ("done", "xiaoli")

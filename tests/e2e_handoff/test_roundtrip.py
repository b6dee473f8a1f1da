"""Full handoff round trips, customer on the web chat and on WeChat: the request, the queue,
an agent takes it, two messages each way, the agent ends it, the bot resumes and asks for a
rating, the rating is stored. Rasa env (socket.io client, WeChat's push signing)."""
from __future__ import annotations

import sqlite3
import time
import uuid
from typing import List

import pytest
import redis

pytest.importorskip("wechatpy", reason="signing WeChat's pushes needs wechatpy (the rasa env)")

from tests.channels import processes  # noqa: E402
from tests.channels.chat_socket import ChatSocket  # noqa: E402
from tests.channels.wechat_server import WeChatServer  # noqa: E402
from tests.e2e_handoff import texts  # noqa: E402
from tests.e2e_handoff.stack import AgentConsole, tracker, wait_for  # noqa: E402


def stored_ratings(stack, conversation_id: str) -> List[tuple]:
    with sqlite3.connect(stack.work_dir / "webapp.db") as db:
        return db.execute("SELECT rating, agent_username, channel FROM conversation_ratings "
                          "WHERE conversation_id = ?", (conversation_id,)).fetchall()


def agent_lines(view) -> List[str]:
    return [line["text"] for line in view["lines"] if line["sender"] == "agent"]


def customer_lines(view) -> List[str]:
    return [line["text"] for line in view["lines"] if line["sender"] == "user"]


def bot_texts(messages) -> List[str]:
    return [m.get("text") or "" for m in messages]


def test_webchat_round_trip(stack):
    customer = ChatSocket(stack.rasa_url)
    customer.open()
    cid = customer.session_id
    wang = AgentConsole(stack.webapp_url, "xiaowang").login()
    li = AgentConsole(stack.webapp_url, "xiaoli").login()
    try:
        # The request: told the place in the queue and the wait; the bot pauses.
        answer = bot_texts(customer.ask("转人工"))
        queued = answer[texts.first("utter_handoff_queued", answer)]
        item = wang.wait_waiting(cid)
        assert f"第{item['position']}位" in queued and "分钟" in queued
        assert (item["channel"], item["reason"]) == ("socketio", "request")
        assert tracker(stack, cid)["paused"] is True

        # While waiting, the customer's words go to the agents, not the bot.
        assert customer.ask("我的车被追尾了 好着急 快点") == []
        item = wait_for(lambda: next((i for i in wang.queue()["waiting"]
                                      if i["conversation_id"] == cid and i.get("last_text")), None))
        assert item["last_emotion"] == "anxious"
        assert customer.ask("我的报案号是BA20261015000101") == []

        # An agent takes it (one at a time); the customer sees who joined.
        mark = customer.mark()
        view = wang.take(cid)
        assert view["handoff"]["state"] == "active" and view["handoff"]["agent"] == "xiaowang"
        assert "我的车被追尾了 好着急 快点" in customer_lines(view)
        assert [e["emotion"] for e in view["emotions"]] == ["anxious"]
        # Every field collected so far, and the claim it names (Claims API, staff scope).
        assert {"label": "查询的报案号/保单号", "slot": "status_number",
                "value": "BA20261015000101"} in view["fields"]
        assert (view["claim"]["report_no"], view["claim"]["policy_no"]) == (
            "BA20261015000101", "PDAA202603010000001234")
        assert li.status_of("POST", f"/agent/api/conversations/{cid}/take") == 409
        joined = customer.wait("bot_uttered", lambda m: m.get("event") == "agent_joined", after=mark)
        assert joined["kind"] == "system" and "小王" in joined["text"]

        # Two messages each way.
        for text in ("您好，我是客服小王，已经看到您的情况。", "请问现在人员都安全吗？"):
            mark = customer.mark()
            wang.reply(cid, text)
            received = customer.wait("bot_uttered", lambda m, t=text: m.get("text") == t, after=mark)
            assert received["kind"] == "agent"
        assert li.status_of("POST", f"/agent/api/conversations/{cid}/messages",
                            {"text": "我来接手"}) == 409
        for text in ("人都没事", "车停在应急车道了"):
            assert customer.ask(text) == []  # the bot stays quiet
        lines = wang.wait_lines(cid, lambda ls: "车停在应急车道了" in [l["text"] for l in ls])
        assert [l["text"] for l in lines if l["sender"] == "agent"] == [
            "您好，我是客服小王，已经看到您的情况。", "请问现在人员都安全吗？"]

        # Agent replies are recorded in the tracker.
        recorded = [e for e in tracker(stack, cid)["events"]
                    if e["event"] == "bot" and (e.get("metadata") or {}).get("kind") == "agent"]
        assert [e["metadata"]["agent"] for e in recorded] == ["xiaowang", "xiaowang"]

        # The agent ends it: the bot is back, says so, asks for a rating.
        mark = customer.mark()
        wang.end(cid)
        resumed = customer.wait("bot_uttered", lambda m: texts.is_("utter_ask_rating", m.get("text")),
                                after=mark)
        assert [b["title"] for b in resumed.get("quick_replies") or resumed.get("buttons")] == [
            "1分", "2分", "3分", "4分", "5分"]
        back = bot_texts(customer.named("bot_uttered", after=mark))
        assert any(texts.is_("utter_handoff_resumed", t) for t in back)
        customer.wait("bot_uttered", lambda m: m.get("event") == "agent_left", after=mark)
        assert tracker(stack, cid)["paused"] is False

        # The rating (a button) is thanked and stored with the conversation.
        thanks = bot_texts(customer.ask('/inform{"satisfaction_rating": "5"}', display="5分"))
        assert texts.is_("utter_rating_thanks", thanks[0]) and "5分" in thanks[0]
        assert wait_for(lambda: stored_ratings(stack, cid)) == [(5, "xiaowang", "socketio")]
        assert tracker(stack, cid)["slots"]["satisfaction_rating"] == 5

        # And the bot answers again.
        assert customer.ask("谢谢")
    finally:
        customer.close()


def say_on_wechat(wechat: WeChatServer, standin, openid: str, text: str, settle: float = 1.5) -> List[str]:
    """One message from a WeChat user: the passive reply and any customer-service messages
    that follow within `settle` seconds."""
    before = len(standin.messages_to(openid))
    answer = wechat.push(wechat.text(openid, text), encrypted=True, timeout=30)
    assert answer.status == 200, answer.body
    time.sleep(settle)
    return ([answer.content] if answer.content else []) + standin.messages_to(openid)[before:]


def test_wechat_round_trip_survives_a_web_app_restart(stack, standin):
    wechat = WeChatServer(f"{stack.rasa_url}/webhooks/wechat/webhook", processes.WECHAT_TOKEN,
                          processes.WECHAT_APP_ID, processes.WECHAT_AES_KEY)
    openid = "oHandoff" + uuid.uuid4().hex[:20]
    wang = AgentConsole(stack.webapp_url, "xiaowang").login()

    replies = say_on_wechat(wechat, standin, openid, "我要找人工客服")
    assert any(texts.is_("utter_handoff_queued", r) for r in replies), replies
    assert wang.wait_waiting(openid)["channel"] == "wechat"

    wang.take(openid)
    joined = wait_for(lambda: [m for m in standin.messages_to(openid) if "小王" in m and "接入" in m])
    assert joined

    sent = len(standin.messages_to(openid))
    wang.reply(openid, "您好，我是小王。请问您的保单号是多少？")
    wait_for(lambda: len(standin.messages_to(openid)) > sent)
    assert "您好，我是小王。请问您的保单号是多少？" in standin.messages_to(openid)[-1]
    assert say_on_wechat(wechat, standin, openid, "PDAA202603010000001234", settle=0.5) == []

    # The web app restarts mid-handoff: nothing is lost, the agent carries on.
    stack.restart("webapp")
    wang = AgentConsole(stack.webapp_url, "xiaowang").login()
    view = wang.conversation(openid)
    assert view["handoff"]["state"] == "active" and view["handoff"]["agent"] == "xiaowang"
    assert "PDAA202603010000001234" in customer_lines(view)
    assert agent_lines(view) == ["您好，我是小王。请问您的保单号是多少？"]

    sent = len(standin.messages_to(openid))
    wang.reply(openid, "收到，我马上为您核实。")
    wait_for(lambda: len(standin.messages_to(openid)) > sent)
    assert say_on_wechat(wechat, standin, openid, "好的 谢谢", settle=0.5) == []
    wang.wait_lines(openid, lambda ls: "好的 谢谢" in [l["text"] for l in ls])

    # Ending: the bot's messages reach WeChat through the customer-service API.
    sent = len(standin.messages_to(openid))
    wang.end(openid)
    question = texts.responses()["utter_ask_rating"][0]
    pushed = wait_for(lambda: [m for m in standin.messages_to(openid)[sent:] if question in m])
    assert "5分" in pushed[0]  # the buttons, as numbered options
    assert any(texts.is_("utter_handoff_resumed", m) for m in standin.messages_to(openid)[sent:])

    thanks = say_on_wechat(wechat, standin, openid, "4")  # option 4: the 4分 button
    assert any(texts.is_("utter_rating_thanks", t) and "4分" in t for t in thanks), thanks
    assert wait_for(lambda: stored_ratings(stack, openid)) == [(4, "xiaowang", "wechat")]
    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    assert client.hget(f"handoff:session:{openid}", "rating") == "4"
    client.close()

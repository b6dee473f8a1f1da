"""The Claims API goes down during a report: the customer is told the truth, nothing is
lost, and once the API is back the outbox worker files exactly one report and the customer
gets its number (with their next message, since the REST channel cannot push)."""
from __future__ import annotations

import json
import subprocess

import pytest
import redis

from tests.conversations.stack import ROOT, RASA_BIN, Chat, base_env

POLICY = "PDAA202603010000001234"
OUTAGE: dict = {}


def texts(replies):
    return "\n".join(r.get("text") or "" for r in replies)


def test_claims_api_outage_then_filed_once(live_stack):
    if live_stack.api is None:
        pytest.skip("needs its own Claims API to stop and start (BLACK_BOX_* URLs given)")
    api = live_stack.api
    chat = Chat(live_stack.rasa_url, "outage-customer")
    api.stop()
    try:
        replies = chat.say("我昨天下午三点在建国路被追尾了，后杠撞坏了，没人受伤，"
                           "保单号PDAA202603010000001234，电话13812345678")
        assert "暂时连接不上" in texts(replies)  # the checks wait; the report goes on
        chat.say("王建国")
        replies = chat.say("京A12345")
        assert "信息都正确吗" in texts(replies), chat.dump()
        replies = chat.say("确认提交")
        said = texts(replies)
        assert "暂时连接不上" in said and "已经完整保存" in said and "报案号是" not in said, chat.dump()
        assert "不会重复提交" in texts(chat.say("确认"))  # a second confirmation files nothing either
    finally:
        api.start()  # same port and database
    assert [c for c in api.claims(POLICY) if c["conversation_id"] == "outage-customer"] == []

    worker = subprocess.run(
        [str(RASA_BIN / "python"), "-m", "bot.outbox", "--once"], cwd=ROOT, timeout=120,
        env=base_env(live_stack.redis_url, CLAIMS_API_URL=api.url, RASA_URL=live_stack.rasa_url,
                     BOT_REDIS_PREFIX=live_stack.prefix),
        capture_output=True, text=True)
    assert worker.returncode == 0, worker.stderr
    [claim] = [c for c in api.claims(POLICY) if c["conversation_id"] == "outage-customer"]
    assert (claim["claim_type"], claim["contact_phone"], claim["plate_number"]) == (
        "vehicle", "13812345678", "京A12345")

    # A second run of the worker finds nothing left to file.
    subprocess.run([str(RASA_BIN / "python"), "-m", "bot.outbox", "--once"], cwd=ROOT, timeout=120, check=True,
                   env=base_env(live_stack.redis_url, CLAIMS_API_URL=api.url, RASA_URL=live_stack.rasa_url,
                                BOT_REDIS_PREFIX=live_stack.prefix), capture_output=True)
    assert len([c for c in api.claims(POLICY) if c["conversation_id"] == "outage-customer"]) == 1

    # REST cannot push: the notice waits for the customer's next message.
    pending = redis.Redis.from_url(live_stack.redis_url, decode_responses=True).lrange(
        f"{live_stack.prefix}:notices:outage-customer", 0, -1)
    assert [json.loads(n)["report_no"] for n in pending] == [claim["report_no"]]
    OUTAGE["report_no"] = claim["report_no"]


def test_next_message_brings_the_report_number(live_stack):
    if "report_no" not in OUTAGE:
        pytest.skip("the outage test did not run")
    chat = Chat(live_stack.rasa_url, "outage-customer")
    assert OUTAGE["report_no"] in texts(chat.say("你好"))
    assert OUTAGE["report_no"] not in texts(chat.say("谢谢"))  # told once

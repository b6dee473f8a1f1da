"""Outbound delivery (`chat:outbound`): the stack's worker process end to end, and the
worker's bookkeeping in-process on a stream of its own."""
from __future__ import annotations

import asyncio
import json
import uuid
from typing import Iterator, List

import pytest
import redis

from channels import outbound
from channels.outbound import OutboundWorker, outbound_fields
from channels.settings import HISTORY_PREFIX, PENDING_PREFIX
from channels.wechat import texts
from channels.wechat.config import WeChatConfig
from tests.channels import processes
from tests.channels.chat_socket import ChatSocket
from tests.channels.wechat_server import WeChatServer


@pytest.fixture
def sockets(stack) -> Iterator[List[ChatSocket]]:
    opened: List[ChatSocket] = []
    yield opened
    for sock in opened:
        sock.close()


def open_page(stack, sockets: List[ChatSocket], session_id: str) -> ChatSocket:
    sock = ChatSocket(stack.rasa_url)
    sockets.append(sock)
    sock.open(session_id)
    return sock


# --- through the stack's worker -----------------------------------------------------------


def test_agent_message_reaches_the_open_page(stack, sockets, redis_client) -> None:
    session_id = uuid.uuid4().hex
    sock = open_page(stack, sockets, session_id)
    mark = sock.mark()
    redis_client.xadd(stack.outbound_stream, outbound_fields(
        session_id, "socketio", "人工客服小王已接入，请问有什么可以帮您？", "system",
        dedupe_id=f"join-{session_id}", event="agent_joined"))
    redis_client.xadd(stack.outbound_stream, outbound_fields(
        session_id, "socketio", "您好，我是客服小王。", "agent",
        buttons=[{"title": "继续报案", "payload": "/report_claim"}]))
    joined = sock.wait("bot_uttered", lambda d: d.get("kind") == "system", after=mark, timeout=20)
    assert joined["event"] == "agent_joined" and joined["id"] == f"join-{session_id}"
    said = sock.wait("bot_uttered", lambda d: d.get("kind") == "agent", after=mark, timeout=20)
    assert said["text"] == "您好，我是客服小王。"
    assert said["quick_replies"] == [{"content_type": "text", "title": "继续报案", "payload": "/report_claim"}]
    sock.close()

    history = open_page(stack, sockets, session_id).named("bot_history")[0]["messages"]
    assert [m["sender"] for m in history] == ["system", "agent"]
    assert history[0]["event"] == "agent_joined"


def test_notice_for_a_closed_page_waits_until_it_comes_back(stack, sockets, redis_client) -> None:
    session_id = uuid.uuid4().hex
    redis_client.xadd(stack.outbound_stream, outbound_fields(
        session_id, "socketio", "您的案件已进入审核阶段。", "notice", dedupe_id=f"notice-{session_id}"))
    for _ in range(100):
        if redis_client.llen(PENDING_PREFIX + session_id):
            break
        asyncio.run(asyncio.sleep(0.1))
    assert redis_client.llen(PENDING_PREFIX + session_id) == 1
    sock = open_page(stack, sockets, session_id)
    got = sock.wait("bot_uttered", lambda d: d.get("kind") == "notice", timeout=10)
    assert got["text"] == "您的案件已进入审核阶段。"
    assert redis_client.llen(PENDING_PREFIX + session_id) == 0
    assert redis_client.llen(HISTORY_PREFIX + session_id) == 1


def test_wechat_agent_reply_goes_out_by_the_api_and_its_options_answer_by_digit(
        stack, standin, redis_client, openid: str, wechat: WeChatServer) -> None:
    redis_client.xadd(stack.outbound_stream, outbound_fields(
        openid, "wechat", "您好，我是客服小王，请问您要办理哪项业务？", "agent",
        buttons=[{"title": "继续报案", "payload": "/report_claim"},
                 {"title": "查询进度", "payload": "/query_status"}]))
    [message] = standin.wait_for_messages(openid, 1, timeout=20)
    assert message.startswith(texts.AGENT_PREFIX + "您好，我是客服小王")
    assert "1. 继续报案\n2. 查询进度" in message
    wechat.push(wechat.text(openid, "2"))
    events = [e for e in requests_tracker(stack, openid) if e["event"] == "user"]
    assert events[-1]["text"] == "/query_status"
    assert events[-1]["metadata"]["display_text"] == "查询进度"


def requests_tracker(stack, openid: str) -> list:
    import requests

    response = requests.get(f"{stack.rasa_url}/conversations/{openid}/tracker", timeout=30)
    response.raise_for_status()
    return response.json()["events"]


def test_long_wechat_notice_is_split(stack, standin, redis_client, openid: str) -> None:
    text = "\n\n".join(f"第{i}项：" + "请准备好相关材料并拍照上传。" * 10 for i in range(8))
    redis_client.xadd(stack.outbound_stream, outbound_fields(openid, "wechat", text, "notice"))
    messages = standin.wait_for_messages(openid, 2, timeout=20)
    assert all(len(m) <= 600 and len(m.encode()) <= 2048 for m in messages)
    assert "".join(messages).replace("\n", "") == text.replace("\n", "")


# --- the worker in-process, on a stream of its own ---------------------------------------


@pytest.fixture
def stream(stack) -> Iterator[str]:
    name = f"test:outbound:{uuid.uuid4().hex[:8]}"
    yield name
    client = redis.Redis.from_url(stack.redis_url)
    client.delete(name, name + ":dead", name + ":attempts")
    client.close()


def run(coroutine):
    return asyncio.run(coroutine)


def worker_for(stack, standin, stream: str, **kwargs) -> OutboundWorker:
    config = WeChatConfig(token="t", app_id=f"wx{uuid.uuid4().hex[:16]}",
                          app_secret=processes.WECHAT_APP_SECRET, api_base=standin.url)
    return OutboundWorker(stack.redis_url, wechat_config=config, stream=stream, block_ms=100, **kwargs)


def test_invalid_entries_go_to_the_dead_letter_stream(stack, standin, stream, redis_client) -> None:
    bad = [
        {"channel": "socketio", "text": "x", "kind": "agent"},                       # no conversation
        {"conversation_id": "c", "channel": "sms", "text": "x", "kind": "agent"},    # unknown channel
        {"conversation_id": "c", "channel": "wechat", "text": "x", "kind": "bot"},   # unknown kind
        {"conversation_id": "c", "channel": "wechat", "text": " ", "kind": "agent"},  # empty
        {"conversation_id": "c", "channel": "wechat", "text": "x", "kind": "agent", "buttons": "[1]"},
    ]
    for fields in bad:
        redis_client.xadd(stream, fields)

    async def scenario() -> int:
        worker = worker_for(stack, standin, stream)
        await worker.ensure_group()
        handled = await worker.poll_once()
        await worker.close()
        return handled

    assert run(scenario()) == len(bad)
    dead = redis_client.xrange(stream + ":dead")
    assert len(dead) == len(bad)
    assert all(fields["reason"] for _id, fields in dead)
    assert redis_client.xpending(stream, outbound.OUTBOUND_GROUP)["pending"] == 0


def test_same_dedupe_id_is_delivered_once(stack, standin, stream, redis_client, openid: str) -> None:
    for _ in range(3):
        redis_client.xadd(stream, outbound_fields(openid, "wechat", "您的案件已受理。", "notice",
                                                  dedupe_id=f"once-{openid}"))

    async def scenario() -> None:
        worker = worker_for(stack, standin, stream)
        await worker.ensure_group()
        await worker.poll_once()
        await worker.close()

    run(scenario())
    assert standin.messages_to(openid) == ["您的案件已受理。"]
    assert redis_client.xpending(stream, outbound.OUTBOUND_GROUP)["pending"] == 0


def test_failed_delivery_stays_pending_then_goes_dead(stack, standin, stream, redis_client,
                                                      openid: str, monkeypatch) -> None:
    redis_client.xadd(stream, outbound_fields(openid, "wechat", "收不到", "notice"))
    monkeypatch.setattr(outbound, "MAX_ATTEMPTS", 2)

    async def scenario() -> None:
        config = WeChatConfig(token="t", app_id="wxunreachable", app_secret="s",
                              api_base="http://127.0.0.1:9")  # nothing listens there
        worker = OutboundWorker(stack.redis_url, wechat_config=config, stream=stream,
                                block_ms=100, claim_idle_ms=0)
        await worker.ensure_group()
        await worker.poll_once()                   # attempt 1: fails, stays pending
        assert redis_client.xpending(stream, outbound.OUTBOUND_GROUP)["pending"] == 1
        worker._last_claim = 0.0
        await worker.poll_once()                   # attempt 2 (reclaimed): dead
        await worker.close()

    run(scenario())
    assert redis_client.xpending(stream, outbound.OUTBOUND_GROUP)["pending"] == 0
    [(_id, dead)] = redis_client.xrange(stream + ":dead")
    assert dead["conversation_id"] == openid and "Connection" in dead["reason"]


def test_two_workers_share_the_stream(stack, standin, stream, redis_client) -> None:
    users = [f"oShare{uuid.uuid4().hex[:22]}" for _ in range(10)]
    for user in users:
        redis_client.xadd(stream, outbound_fields(user, "wechat", "通知", "notice"))

    async def scenario() -> List[int]:
        workers = [worker_for(stack, standin, stream, consumer=f"w{i}") for i in range(2)]
        await workers[0].ensure_group()
        counts = await asyncio.gather(*(w.poll_once() for w in workers))
        for worker in workers:
            await worker.close()
        return list(counts)

    counts = run(scenario())
    assert sum(counts) == len(users)
    assert all(standin.messages_to(user) == ["通知"] for user in users)


def test_outbound_fields_round_trip() -> None:
    fields = outbound_fields("c1", "socketio", "hi", "agent", buttons=[{"title": "好", "payload": "/affirm"}],
                             dedupe_id="d1", event="agent_joined")
    message = outbound.OutboundMessage.from_fields(fields)
    assert message.buttons == [{"title": "好", "payload": "/affirm"}]
    payload = message.socket_payload("1-0")
    assert payload["id"] == "d1" and payload["event"] == "agent_joined"
    assert json.loads(fields["buttons"])[0]["title"] == "好"

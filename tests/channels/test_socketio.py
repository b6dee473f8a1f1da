"""The web chat's socket.io channel on a real Rasa server, shared through Redis."""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Iterator, List

import pytest
import socketio

from channels.settings import HISTORY_PREFIX, ONLINE_PREFIX, PENDING_PREFIX
from tests.channels.chat_socket import ChatSocket


@pytest.fixture
def sockets(stack) -> Iterator[List[ChatSocket]]:
    opened: List[ChatSocket] = []
    yield opened
    for sock in opened:
        sock.close()


@pytest.fixture
def page(stack, sockets):
    def open_page() -> ChatSocket:
        sock = ChatSocket(stack.rasa_url)
        sockets.append(sock)
        return sock
    return open_page


def test_new_session_is_confirmed_with_empty_history(page) -> None:
    sock = page()
    history = sock.open(None)
    assert history == []
    assert len(sock.session_id) == 32


def test_invalid_session_id_gets_a_new_one(page) -> None:
    sock = page()
    sock.open("../../etc/passwd")
    assert sock.session_id != "../../etc/passwd"


def test_message_gets_typing_and_a_reply(stack, page) -> None:
    sock = page()
    sock.open(uuid.uuid4().hex)
    start = sock.mark()
    replies = sock.ask("你好")
    assert replies and replies[0]["text"]
    order = [name for name, _ in sock.events[start:] if name in ("bot_typing", "bot_uttered")]
    assert order[0] == "bot_typing" and order[-1] == "bot_typing"
    assert "bot_uttered" in order[1:-1]


def test_reload_shows_the_history(page) -> None:
    session_id = uuid.uuid4().hex
    first = page()
    first.open(session_id)
    replies = first.ask("你好")
    clicked = first.ask("/request_human", display="转人工客服")
    first.close()

    again = page()
    history = again.open(session_id)
    assert again.session_id == session_id
    users = [m["text"] for m in history if m["sender"] == "user"]
    bots = [m["text"] for m in history if m["sender"] == "bot"]
    assert users == ["你好", "转人工客服"]  # the button's title, not its payload
    assert replies[0]["text"] in bots
    assert clicked[0]["text"] in bots
    assert history == sorted(history, key=lambda m: m["timestamp"])


def test_two_tabs_of_one_session_both_see_the_reply(page) -> None:
    session_id = uuid.uuid4().hex
    tab_a, tab_b = page(), page()
    tab_a.open(session_id)
    tab_b.open(session_id)
    mark_b = tab_b.mark()
    replies = tab_a.ask("你好")
    seen = tab_b.wait("bot_uttered", lambda d: d.get("text") == replies[0]["text"], after=mark_b)
    assert seen["text"] == replies[0]["text"]


def test_presence_is_tracked_in_redis(page, redis_client) -> None:
    session_id = uuid.uuid4().hex
    sock = page()
    sock.open(session_id)
    assert redis_client.scard(ONLINE_PREFIX + session_id) == 1
    sock.close()
    for _ in range(50):
        if redis_client.scard(ONLINE_PREFIX + session_id) == 0:
            break
        time.sleep(0.1)
    assert redis_client.scard(ONLINE_PREFIX + session_id) == 0


def test_waiting_messages_are_delivered_on_connect_and_kept_in_history(page, redis_client) -> None:
    session_id = uuid.uuid4().hex
    notice = {"id": f"n-{session_id}", "text": "您的案件已进入审核阶段。", "kind": "notice", "timestamp": 1.0}
    redis_client.rpush(PENDING_PREFIX + session_id, json.dumps(notice, ensure_ascii=False))
    sock = page()
    assert sock.open(session_id) == []
    delivered = sock.wait("bot_uttered", lambda d: d.get("id") == notice["id"], timeout=10)
    assert delivered == notice
    assert redis_client.llen(PENDING_PREFIX + session_id) == 0
    assert json.loads(redis_client.lrange(HISTORY_PREFIX + session_id, 0, -1)[0]) == notice
    sock.close()

    again = page()
    history = again.open(session_id)
    assert history == [{"sender": "notice", "text": notice["text"], "timestamp": 1.0}]


def test_another_process_can_emit_to_the_session(stack, page) -> None:
    """What the outbound worker and the agent console do: emit through Redis."""
    session_id = uuid.uuid4().hex
    sock = page()
    sock.open(session_id)
    mark = sock.mark()

    async def emit() -> None:
        manager = socketio.AsyncRedisManager(stack.redis_url, channel=stack.socketio_channel,
                                             write_only=True)
        await manager.emit("bot_uttered", {"text": "人工客服小李已接入", "kind": "system",
                                           "event": "agent_joined"}, room=session_id, namespace="/")

    asyncio.run(emit())
    got = sock.wait("bot_uttered", after=mark, timeout=10)
    assert got == {"text": "人工客服小李已接入", "kind": "system", "event": "agent_joined"}

"""webapp/agent/queue.py against Redis (db 10), with entries written as the bot writes them."""
import asyncio
import json
import time

import pytest
from redis import asyncio as aioredis

from tests.webapp.agent.conftest import REDIS_URL, conversation_id
from webapp.agent.queue import ACTIVE, EVENTS, QUEUE, HandoffStore, session_key


def enqueue(client, cid, channel="socketio", at=None):
    """What bot/handoff.request leaves in Redis (docs/architecture.md, "Handoff")."""
    at = at or time.time()
    client.hset(session_key(cid), mapping={"handoff_id": "h-" + cid, "conversation_id": cid,
                                           "state": "waiting", "channel": channel,
                                           "reason": "request", "summary": "转人工",
                                           "requested_at": f"{at:.3f}"})
    client.zadd(QUEUE, {cid: at})


def run(coroutine):
    return asyncio.run(coroutine)


async def with_store(work):
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        return await work(HandoffStore(client))
    finally:
        await client.aclose()


def test_only_one_of_many_agents_takes_a_conversation(redis_client):
    cid = conversation_id()
    enqueue(redis_client, cid)

    async def race(store):
        return await asyncio.gather(*(store.take(cid, f"agent{i}", f"客服{i}") for i in range(12)))

    results = run(with_store(race))
    winners = [r for r in results if r[0]]
    assert len(winners) == 1
    holder = winners[0][2]
    assert all(r == (False, "active", holder) for r in results if not r[0])
    assert redis_client.hget(session_key(cid), "agent") == holder
    assert redis_client.zscore(QUEUE, cid) is None and redis_client.zscore(ACTIVE, cid) is not None
    taken = [f for _, f in redis_client.xrange(EVENTS) if f["type"] == "taken"]
    assert len(taken) == 1 and json.loads(taken[0]["data"])["agent"] == holder


def test_end_only_by_the_holder(redis_client):
    cid = conversation_id()
    enqueue(redis_client, cid, channel="wechat")

    async def work(store):
        await store.take(cid, "a", "A")
        return (await store.end(cid, "b", "agent_ended"), await store.end(cid, "a", "agent_ended"),
                await store.end(cid, "a", "agent_ended"))

    by_other, by_holder, again = run(with_store(work))
    assert by_other == (False, "active", "a")
    assert by_holder == (True, "ended", "a")
    assert again == (False, "ended", "a")
    assert redis_client.zscore(ACTIVE, cid) is None
    ended = [f for _, f in redis_client.xrange(EVENTS) if f["type"] == "ended"]
    assert json.loads(ended[0]["data"]) == {"agent": "a", "reason": "agent_ended", "channel": "wechat"}


def test_end_without_agent_closes_a_waiting_handoff(redis_client):
    cid = conversation_id()
    enqueue(redis_client, cid)
    assert run(with_store(lambda s: s.end(cid, None, "session_expired"))) == (True, "ended", "")
    assert redis_client.zscore(QUEUE, cid) is None


def test_waiting_lists_in_queue_order_with_places(redis_client):
    first, second = conversation_id(), conversation_id()
    enqueue(redis_client, second, at=2000.0)
    enqueue(redis_client, first, at=1000.0)
    waiting = run(with_store(lambda s: s.waiting()))
    assert [(w["conversation_id"], w["position"]) for w in waiting] == [(first, 1), (second, 2)]


def test_agents_online_and_deliver(redis_client):
    async def work(store):
        await store.heartbeat("a", now=time.time())
        await store.heartbeat("stale", now=time.time() - 600)
        await store.deliver("c1", "wechat", "您好", "agent", "m1")
        await store.deliver("c1", "socketio", "客服已接入", "system", "j1", event="agent_joined")
        return await store.agents_online()

    assert run(with_store(work)) == 1
    entries = [f for _, f in redis_client.xrange("chat:outbound")]
    assert entries == [
        {"conversation_id": "c1", "channel": "wechat", "text": "您好", "kind": "agent", "dedupe_id": "m1"},
        {"conversation_id": "c1", "channel": "socketio", "text": "客服已接入", "kind": "system",
         "dedupe_id": "j1", "event": "agent_joined"}]

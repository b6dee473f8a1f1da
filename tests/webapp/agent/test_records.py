"""webapp/agent/records.py: handoff:events → the web app's tables, once."""
import asyncio
import json

from sqlalchemy import select

from tests.webapp.agent.conftest import REDIS_URL
from webapp.agent.records import GROUP, RecordKeeper
from webapp.db import CallbackRequest, ConversationRating, Handoff, init_db, new_session
from redis import asyncio as aioredis


def add(client, kind, cid, handoff_id="", at="1795300000.0", **data):
    client.xadd("handoff:events", {"type": kind, "conversation_id": cid, "handoff_id": handoff_id,
                                   "at": at, "data": json.dumps(data, ensure_ascii=False)})


async def drain(consumer="test"):
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True)
    keeper = RecordKeeper(client, consumer)
    await keeper.ensure_group()
    while await keeper.poll_once(block_ms=100):
        pass
    pending = await client.xpending("handoff:events", GROUP)
    await client.aclose()
    return pending["pending"]


def test_records_a_handoff_its_rating_and_a_callback(console_env, redis_client):
    init_db()
    add(redis_client, "queued", "c1", "h1", channel="wechat", reason="anger", summary="太慢了")
    add(redis_client, "taken", "c1", "h1", at="1795300060.0", agent="xiaowang", agent_name="小王")
    add(redis_client, "ended", "c1", "h1", at="1795300300.0", agent="xiaowang", reason="agent_ended")
    add(redis_client, "rated", "c1", "h1", rating=2, agent="xiaowang", channel="wechat")
    add(redis_client, "callback", "c2", "", reference="HD202611220001", channel="socketio",
        phone="13812345678", preferred_time="明天上午", reason="request", summary="想问进度")
    assert asyncio.run(drain()) == 0
    assert asyncio.run(drain("another")) == 0  # nothing left for a second instance
    with new_session() as session:
        handoff = session.scalar(select(Handoff).where(Handoff.handoff_id == "h1"))
        assert (handoff.channel, handoff.reason, handoff.agent_username, handoff.rating,
                handoff.end_reason) == ("wechat", "anger", "xiaowang", 2, "agent_ended")
        assert (handoff.ended_at - handoff.taken_at).total_seconds() == 240
        ratings = session.scalars(select(ConversationRating)).all()
        assert [(r.conversation_id, r.rating, r.agent_username) for r in ratings] == [("c1", 2, "xiaowang")]
        callback = session.scalar(select(CallbackRequest))
        assert (callback.reference, callback.phone, callback.preferred_time, callback.status) == (
            "HD202611220001", "13812345678", "明天上午", "open")


def test_an_entry_read_twice_is_written_once(console_env, redis_client):
    init_db()
    add(redis_client, "rated", "c1", "h1", rating=5)
    add(redis_client, "callback", "c2", "", reference="HD202611220009", phone="1", preferred_time="x")
    from webapp.agent.records import apply
    for entry_id, fields in redis_client.xrange("handoff:events"):
        apply(entry_id, fields)
        apply(entry_id, fields)
    with new_session() as session:
        assert len(session.scalars(select(ConversationRating)).all()) == 1
        assert len(session.scalars(select(CallbackRequest)).all()) == 1

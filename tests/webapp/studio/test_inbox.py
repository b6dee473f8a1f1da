"""The inbox rules on stream entries shaped like bot/event_broker.py writes them, and the
collection from real conversations through a running Rasa server."""
import json

import pytest
import redis

from tests.webapp.studio.conftest import REDIS_URL, parse, say
from webapp.studio import inbox
from webapp.studio.db import InboxItem, new_session


def _publish(client, sender, event):
    client.xadd("rasa:events", {"sender_id": sender, "event": event["event"],
                                "timestamp": "1", "data": json.dumps(event, ensure_ascii=False)})


def _user(text, intent, confidence, ranking=None):
    return {"event": "user", "text": text, "parse_data": {
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}]}}


@pytest.fixture()
def stream(project):
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.delete("rasa:events", *client.keys("studio:*"))
    with new_session() as session:
        session.query(InboxItem).delete()
        session.commit()
    yield client
    client.close()


def _items():
    with new_session() as session:
        return {i.text: i for i in session.query(InboxItem).all()}


def test_collect_applies_the_rules(stream):
    _publish(stream, "c1", _user("你们能不能快点", "complain", 0.95))  # confident: not filed
    _publish(stream, "c1", _user("那个啥东东", "nlu_fallback", 0.4,
                                 [{"name": "nlu_fallback", "confidence": 0.4},
                                  {"name": "inform", "confidence": 0.31}]))
    _publish(stream, "c1", {"event": "action", "name": "action_default_fallback"})
    _publish(stream, "c2", _user("嗯嗯这个那个", "affirm", 0.42))
    _publish(stream, "c3", _user("给我找个活人", "request_human", 0.97))
    _publish(stream, "c4", _user("车子刮了一下", "report_claim", 0.93))
    _publish(stream, "c4", {"event": "bot", "text": "请问保单号是多少？"})
    _publish(stream, "c4", _user("我的电话13812345678", "inform", 0.99))
    _publish(stream, "c4", _user('/inform{"satisfaction_rating":"1"}', "inform", 1.0))
    _publish(stream, "c4", {"event": "slot", "name": "satisfaction_rating", "value": "1"})
    _publish(stream, "c5", _user("帮我转接一下吧", "report_claim", 0.9))
    _publish(stream, "c5", {"event": "action", "name": "action_handoff_request"})
    with new_session() as session:
        assert inbox.collect(session, stream) > 0
    items = _items()
    assert "你们能不能快点" not in items
    assert items["那个啥东东"].reasons == "fallback,low_confidence"
    assert items["那个啥东东"].predicted_intent == "inform"  # what the classifier thought
    assert items["嗯嗯这个那个"].reasons == "low_confidence"
    assert items["给我找个活人"].reasons == "handoff"
    assert items["帮我转接一下吧"].reasons == "handoff"
    assert items["车子刮了一下"].reasons == "low_rating"
    assert items["我的电话13812345678"].reasons == "low_rating"
    assert not any(text.startswith("/") for text in items)
    context = inbox.context_of(items["车子刮了一下"])
    assert {"who": "bot", "text": "请问保单号是多少？"} in context


def test_collect_dedupes_and_continues_from_the_last_id(stream):
    _publish(stream, "a", _user("嗯嗯这个那个", "affirm", 0.3))
    with new_session() as session:
        assert inbox.collect(session, stream) == 1
        assert inbox.collect(session, stream) == 0  # nothing new
    _publish(stream, "b", _user("嗯嗯，这个 那个！", "affirm", 0.35))
    _publish(stream, "b", {"event": "action", "name": "action_default_fallback"})
    with new_session() as session:
        assert inbox.collect(session, stream) == 2
    items = _items()
    assert list(items) == ["嗯嗯这个那个"]
    item = items["嗯嗯这个那个"]
    assert item.occurrences == 2 and item.reasons == "fallback,low_confidence"
    assert item.conversation_id == "b"


def test_collect_from_real_conversations(stream, rasa_server, monkeypatch):
    monkeypatch.setenv("STUDIO_CONFIDENCE_THRESHOLD", "1.01")  # every message counts as unsure
    say(rasa_server, "studio-real-1", "你好")
    say(rasa_server, "studio-real-1", "我要转人工客服")
    say(rasa_server, "studio-real-2", "我的手机是13812345678")
    with new_session() as session:
        inbox.collect(session)
    items = _items()
    assert {"你好", "我要转人工客服", "我的手机是13812345678"} <= set(items)
    greeting = items["你好"]
    assert greeting.conversation_id == "studio-real-1"
    assert greeting.predicted_intent == parse(rasa_server, "你好")["intent"]["name"]
    assert "low_confidence" in greeting.reasons
    human = items["我要转人工客服"]
    if parse(rasa_server, "我要转人工客服")["intent"]["name"] == "request_human":
        assert "handoff" in human.reasons
    assert any(t["who"] == "bot" for t in inbox.context_of(human))

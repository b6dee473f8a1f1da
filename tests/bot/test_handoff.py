"""bot/handoff.py against a real Redis (database 10)."""
import datetime as dt
import json
import uuid

import pytest
import redis

from bot import handoff
from tests.support.redis_db import redis_url_for

SHANGHAI = handoff.SHANGHAI
REDIS_URL = redis_url_for(10)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def client():
    connection = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    connection.delete(handoff.QUEUE, handoff.AGENTS_ONLINE, handoff.EVENTS)
    yield connection
    for key in connection.scan_iter("handoff:*"):
        connection.delete(key)
    connection.close()


def conversation() -> str:
    return "conv-" + uuid.uuid4().hex[:12]


def events(client):
    return [fields for _, fields in client.xrange(handoff.EVENTS)]


# --- working hours -------------------------------------------------------------------------


def test_working_hours_default_is_every_day_8_to_22():
    hours = handoff.WorkingHours.parse()
    assert hours.is_open(at("2026-11-22T08:00:00"))
    assert hours.is_open(at("2026-11-22T21:59:00"))
    assert not hours.is_open(at("2026-11-22T22:00:00"))
    assert not hours.is_open(at("2026-11-23T07:59:00"))
    assert hours.describe() == "每天 08:00-22:00"


def test_working_hours_weekdays_and_next_opening():
    hours = handoff.WorkingHours.parse("09:00-18:00", "1-5")
    friday_evening, saturday = at("2026-11-20T19:00:00"), at("2026-11-21T10:00:00")
    assert not hours.is_open(friday_evening) and not hours.is_open(saturday)
    assert hours.next_opening(saturday) == at("2026-11-23T09:00:00")  # Monday
    assert hours.describe() == "周一至周五 09:00-18:00"
    assert handoff.describe_opening(at("2026-11-23T09:00:00"), saturday) == "后天 09:00"


def test_working_hours_across_midnight():
    hours = handoff.WorkingHours.parse("20:00-02:00", "1,3")
    assert hours.is_open(at("2026-11-23T23:30:00"))   # Monday night
    assert hours.is_open(at("2026-11-24T01:30:00"))   # still Monday's window
    assert not hours.is_open(at("2026-11-24T21:00:00"))  # Tuesday is not a working day


def test_working_hours_from_env(monkeypatch):
    monkeypatch.setenv("HANDOFF_HOURS", "10:00-11:00")
    monkeypatch.setenv("HANDOFF_DAYS", "7")
    hours = handoff.WorkingHours.from_env()
    assert hours.is_open(at("2026-11-22T10:30:00"))  # a Sunday
    assert hours.describe() == "每周日 10:00-11:00"


@pytest.mark.parametrize("hours, days", [("9-18", "1-5"), ("09:00-18:00", "0-5"), ("09:00-18:00", ",")])
def test_working_hours_parse_refuses_nonsense(hours, days):
    with pytest.raises(ValueError):
        handoff.WorkingHours.parse(hours, days)


# --- the queue -----------------------------------------------------------------------------


def test_request_queues_once_and_tells_place_and_wait(client, monkeypatch):
    monkeypatch.setenv("HANDOFF_AVG_MINUTES", "5")
    first, second = conversation(), conversation()
    ticket = handoff.request(client, first, "socketio", "request", "我要转人工", now=1000.0)
    assert (ticket.state, ticket.position, ticket.wait_minutes, ticket.created) == ("waiting", 1, 5, True)
    ticket2 = handoff.request(client, second, "wechat", "anger", "太慢了", now=1001.0)
    assert (ticket2.position, ticket2.wait_minutes) == (2, 10)
    again = handoff.request(client, first, "socketio", "request", "人呢", now=1002.0)
    assert (again.created, again.position, again.handoff_id) == (False, 1, ticket.handoff_id)
    session = handoff.session(client, second)
    assert session["state"] == "waiting" and session["channel"] == "wechat"
    assert session["reason"] == "anger" and session["summary"] == "太慢了"
    queued = [e for e in events(client) if e["type"] == "queued"]
    assert [e["conversation_id"] for e in queued] == [first, second]
    assert json.loads(queued[1]["data"]) == {"channel": "wechat", "reason": "anger", "summary": "太慢了"}


def test_requests_in_the_same_millisecond_keep_arrival_order(client):
    """Equal join times would sort by id ("b…" before "z…"); the later arrival must stay second."""
    first, second = "z-" + conversation(), "b-" + conversation()
    assert handoff.request(client, first, "socketio", "request", now=1000.0).position == 1
    assert handoff.request(client, second, "socketio", "request", now=1000.0).position == 2
    assert handoff.request(client, second, "socketio", "request", now=1000.5).position == 2
    assert client.zscore(handoff.QUEUE, second) == pytest.approx(1000.001)


def test_expected_wait_shares_the_queue_among_online_agents(client, monkeypatch):
    monkeypatch.setenv("HANDOFF_AVG_MINUTES", "4")
    client.zadd(handoff.AGENTS_ONLINE, {"a": 2000.0, "b": 2000.0, "gone": 1000.0})
    assert handoff.agents_online(client, now=2010.0) == 2
    for index in range(3):
        ticket = handoff.request(client, conversation(), "socketio", "request", now=2010.0 + index)
    assert (ticket.position, ticket.wait_minutes) == (3, 6)


def test_request_after_an_ended_handoff_starts_a_new_one(client):
    cid = conversation()
    first = handoff.request(client, cid, "socketio", "request")
    client.hset(handoff.session_key(cid), "state", "ended")
    client.zrem(handoff.QUEUE, cid)
    second = handoff.request(client, cid, "socketio", "fallback")
    assert second.created and second.handoff_id != first.handoff_id
    assert handoff.session(client, cid)["reason"] == "fallback"


def test_request_while_an_agent_has_it(client):
    cid = conversation()
    handoff.request(client, cid, "socketio", "request")
    client.hset(handoff.session_key(cid), mapping={"state": "active", "agent": "demo"})
    client.zrem(handoff.QUEUE, cid)
    ticket = handoff.request(client, cid, "socketio", "request")
    assert (ticket.state, ticket.position, ticket.created) == ("active", 0, False)


def test_record_rating_publishes_with_the_handoff(client):
    cid = conversation()
    ticket = handoff.request(client, cid, "wechat", "request")
    client.hset(handoff.session_key(cid), mapping={"state": "ended", "agent": "demo"})
    handoff.record_rating(client, cid, 4)
    assert handoff.session(client, cid)["rating"] == "4"
    rated = [e for e in events(client) if e["type"] == "rated"][-1]
    assert rated["handoff_id"] == ticket.handoff_id
    assert json.loads(rated["data"]) == {"rating": 4, "agent": "demo", "channel": "wechat"}
    with pytest.raises(ValueError):
        handoff.record_rating(client, cid, 6)


def test_record_callback_numbers_requests_per_day(client):
    cid = conversation()
    day = dt.datetime(2026, 11, 22, 23, 0, tzinfo=SHANGHAI).timestamp()
    client.delete(handoff.CALLBACK_SEQ_PREFIX + "20261122")
    first = handoff.record_callback(client, cid, "socketio", "13812345678", "明天上午", "request",
                                    "想问理赔进度", now=day)
    second = handoff.record_callback(client, cid, "socketio", "13812345678", "明天下午", "request",
                                     now=day + 60)
    assert (first, second) == ("HD202611220001", "HD202611220002")
    callback = [e for e in events(client) if e["type"] == "callback"][0]
    assert json.loads(callback["data"]) == {
        "reference": "HD202611220001", "channel": "socketio", "phone": "13812345678",
        "preferred_time": "明天上午", "reason": "request", "summary": "想问理赔进度"}

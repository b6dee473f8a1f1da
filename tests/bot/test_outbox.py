"""bot.outbox: the Redis outbox and its worker, against real Redis and the real Claims API."""
from __future__ import annotations

import time

import pytest
import redis

from bot.claims_client import ClaimsClient
from bot.config import Settings
from bot.outbox import FILED_INTENT, Notices, Outbox, OutboxWorker
from bot.time_resolution import now_shanghai
from tests.conversations.stack import (STAFF_TOKEN, ClaimsApiProcess, free_port, redis_url_for_tests,
                                       unique_prefix)

POLICY = "PDAA202603010000001234"


def payload(conversation: str) -> dict:
    return {"policy_no": POLICY, "claim_type": "vehicle", "insured_name": "王建国",
            "incident_time": now_shanghai().replace(hour=0, minute=0, second=0).isoformat(),
            "incident_place": "建国路", "cause": "追尾", "description": "等红灯被追尾",
            "loss": "后杠坏了", "casualties": False, "contact_phone": "13812345678",
            "plate_number": "京A12345", "channel": "rest", "conversation_id": conversation}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    work = tmp_path_factory.mktemp("outbox")
    url = redis_url_for_tests(work)
    api = ClaimsApiProcess(work, url).start()
    prefix = unique_prefix()
    conn = redis.Redis.from_url(url, decode_responses=True)
    yield api, conn, prefix, url
    api.stop()
    for key in conn.scan_iter(f"{prefix}:*"):
        conn.delete(key)


def worker(env, api_url=None) -> OutboxWorker:
    api, conn, prefix, url = env
    settings = Settings(claims_api_url=api_url or api.url, redis_url=url, redis_prefix=prefix,
                        rasa_url=f"http://127.0.0.1:{free_port()}", outbox_backoff_seconds=5)
    return OutboxWorker(settings, client=ClaimsClient(settings=settings), redis_conn=conn)


def test_enqueue_is_once_per_key(env):
    _, conn, prefix, _ = env
    box = Outbox(conn, prefix)
    assert box.enqueue(idempotency_key="k-once-0001", payload={"a": 1}, sender_id="s1", now=100)
    assert not box.enqueue(idempotency_key="k-once-0001", payload={"a": 2}, sender_id="s1", now=200)
    assert box.get("k-once-0001")["payload"] == {"a": 1}
    [entry] = box.take_due(now=100)
    assert box.take_due(now=101) == []  # leased to the first taker
    box.done(entry)
    assert box.get("k-once-0001") is None


def test_worker_retries_with_backoff_while_the_api_is_down(env):
    _, conn, prefix, _ = env
    down = worker(env, api_url=f"http://127.0.0.1:{free_port()}")
    down.outbox.enqueue(idempotency_key="k-down-0001", payload=payload("outbox-down"), sender_id="outbox-down",
                        now=1000)
    assert down.run_once(now=1000) == 0
    entry = down.outbox.get("k-down-0001")
    assert entry["attempts"] == 1 and entry["last_error"]
    assert conn.zscore(down.outbox.due_key, "k-down-0001") == 1005  # first backoff: 5 s
    assert down.run_once(now=1004) == 0  # not due yet
    assert down.run_once(now=1005) == 0
    assert conn.zscore(down.outbox.due_key, "k-down-0001") == 1015  # then 10 s
    down.outbox.done(entry)


def test_worker_files_exactly_once_and_keeps_the_notice(env):
    api, conn, prefix, _ = env
    up = worker(env)
    key = "k-file-0001"
    up.outbox.enqueue(idempotency_key=key, payload=payload("outbox-file"), sender_id="outbox-file")
    # The same report queued a second time (e.g. a retried action) changes nothing.
    up.outbox.enqueue(idempotency_key=key, payload=payload("outbox-file"), sender_id="outbox-file")
    assert up.run_once(now=time.time() + 1) == 1
    assert up.run_once(now=time.time() + 1000) == 0
    claims = [c for c in api.claims(POLICY) if c["conversation_id"] == "outbox-file"]
    assert len(claims) == 1
    # Rasa could not be reached: the notice waits for the customer's next message.
    [notice] = Notices(conn, prefix).peek("outbox-file")
    assert notice["kind"] == "filed" and notice["report_no"] == claims[0]["report_no"]
    assert notice["materials"]["claim_type"] == "vehicle"


def test_worker_refused_report_goes_to_dead_letters(env):
    _, conn, prefix, _ = env
    up = worker(env)
    bad = {**payload("outbox-bad"), "insured_name": "李四"}
    up.outbox.enqueue(idempotency_key="k-bad-0001", payload=bad, sender_id="outbox-bad")
    assert up.run_once(now=time.time() + 1) == 1
    assert up.outbox.get("k-bad-0001") is None
    assert conn.llen(up.outbox.dead_key) == 1
    [notice] = Notices(conn, prefix).peek("outbox-bad")
    assert notice["kind"] == "failed" and notice["message_zh"]


def test_filed_intent_name():
    assert FILED_INTENT == "EXTERNAL_report_filed"

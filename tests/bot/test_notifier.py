"""bot/notifier.py against the real Claims API (its stage changes publish to the Redis
stream claims:notifications) and real Redis (db 11)."""
from __future__ import annotations

import json
import os
import subprocess
import threading
import sys
import time
import uuid

import pytest
import requests
import yaml

from bot import notifier
from channels.settings import OUTBOUND_STREAM, PENDING_PREFIX
from tests.support.claims_stack import (
    ROOT,
    STAFF_TOKEN,
    claims_api,
    claims_env,
    file_vehicle_claim,
    redis_client,
    redis_url,
    staff_move,
)

STREAM = notifier.NOTIFICATION_STREAM


@pytest.fixture(scope="module", autouse=True)
def api():
    with claims_env() as url:
        yield url


@pytest.fixture
def client():
    return redis_client()


@pytest.fixture
def group(client):
    """A consumer group of its own that starts after everything already on the stream."""
    name = f"test-notifier-{uuid.uuid4().hex[:8]}"
    client.xgroup_create(STREAM, name, id="$", mkstream=True)
    yield name
    client.xgroup_destroy(STREAM, name)


@pytest.fixture
def make_notifier(client, group):
    def make(consumer: str = "test-consumer", **kwargs) -> notifier.Notifier:
        return notifier.Notifier(client, group=group, consumer=consumer, block_ms=None, **kwargs)
    return make


def template() -> str:
    """The notice's wording: the response utter_status_notice of domain/status.yml."""
    domain = yaml.safe_load((ROOT / "domain" / "status.yml").read_text("utf-8"))
    return domain["responses"]["utter_status_notice"][0]["text"]


def api_message(report_no: str) -> str:
    """What the Claims API says to the customer about the claim's latest stage change."""
    response = requests.get(f"{claims_api()}/notifications", params={"report_no": report_no},
                            headers={"Authorization": f"Bearer {STAFF_TOKEN}"}, timeout=10)
    response.raise_for_status()
    return response.json()[0]["message_zh"]


def last_id(client, stream: str) -> str:
    newest = client.xrevrange(stream, count=1)
    return newest[0][0] if newest else "0-0"


def outbound_since(client, since: str, conversation_id: str) -> list:
    return [fields for _id, fields in client.xrange(OUTBOUND_STREAM, min=f"({since}")
            if fields.get("conversation_id") == conversation_id]


@pytest.mark.parametrize("channel", ["socketio", "wechat"])
def test_stage_change_of_chat_claim_goes_to_chat_outbound(client, make_notifier, channel):
    conversation = f"{channel}-{uuid.uuid4().hex[:10]}"
    report_no = file_vehicle_claim(channel=channel, conversation_id=conversation)
    since = last_id(client, OUTBOUND_STREAM)
    staff_move(report_no, "accepted")

    assert make_notifier().poll_once() == 1

    message = api_message(report_no)
    [entry] = outbound_since(client, since, conversation)
    assert entry == {
        "conversation_id": conversation, "channel": channel,
        "text": template().replace("{message}", message), "kind": "notice",
        "dedupe_id": entry["dedupe_id"],
    }
    assert entry["dedupe_id"].split(":")[1] == report_no
    assert report_no in entry["text"]


def test_stage_change_of_rest_claim_waits_for_the_next_visit(client, make_notifier):
    conversation = f"rest-{uuid.uuid4().hex[:10]}"
    report_no = file_vehicle_claim(channel="rest", conversation_id=conversation)
    since = last_id(client, OUTBOUND_STREAM)
    staff_move(report_no, "accepted")
    staff_move(report_no, "under_review")

    assert make_notifier().poll_once() == 2

    pending = [json.loads(raw) for raw in client.lrange(PENDING_PREFIX + conversation, 0, -1)]
    assert [p["text"] for p in pending] == [
        template().replace("{message}", m["message_zh"]) for m in reversed(
            requests.get(f"{claims_api()}/notifications", params={"report_no": report_no},
                         headers={"Authorization": f"Bearer {STAFF_TOKEN}"}, timeout=10).json())]
    assert all(p["kind"] == "notice" for p in pending)
    assert 0 < client.ttl(PENDING_PREFIX + conversation) <= notifier.PENDING_SECONDS
    assert outbound_since(client, since, conversation) == []


def test_claim_without_conversation_is_acknowledged_and_not_sent(client, make_notifier, group):
    report_no = file_vehicle_claim(channel="phone")
    since = last_id(client, OUTBOUND_STREAM)
    staff_move(report_no, "accepted")

    assert make_notifier().poll_once() == 1

    assert not any(report_no in fields.get("text", "")
                   for _id, fields in client.xrange(OUTBOUND_STREAM, min=f"({since}"))
    assert client.xpending(STREAM, group)["pending"] == 0


def test_each_notice_is_delivered_once(client, make_notifier, group):
    conversation = f"socketio-{uuid.uuid4().hex[:10]}"
    report_no = file_vehicle_claim(channel="socketio", conversation_id=conversation)
    since = last_id(client, OUTBOUND_STREAM)
    staff_move(report_no, "accepted")
    worker = make_notifier()
    worker.poll_once()
    # The API publishes at least once: the same notification may come again.
    [(_id, fields)] = [e for e in client.xrange(STREAM, min="-")[-5:]
                       if e[1]["report_no"] == report_no]
    copy_id = client.xadd(STREAM, fields)

    assert worker.poll_once() == 1
    assert worker.handle(copy_id, fields) == "duplicate"
    assert len(outbound_since(client, since, conversation)) == 1
    assert client.xpending(STREAM, group)["pending"] == 0


def test_notices_read_before_a_crash_are_handled_after_the_restart(client, make_notifier, group):
    conversation = f"socketio-{uuid.uuid4().hex[:10]}"
    report_no = file_vehicle_claim(channel="socketio", conversation_id=conversation)
    since = last_id(client, OUTBOUND_STREAM)
    staff_move(report_no, "accepted")
    # The worker read the entry and died before handing it on.
    client.xreadgroup(group, "crashed", {STREAM: ">"}, count=10)
    assert client.xpending(STREAM, group)["pending"] == 1

    make_notifier(consumer="crashed").poll_once()  # the same worker, restarted

    assert len(outbound_since(client, since, conversation)) == 1
    assert client.xpending(STREAM, group)["pending"] == 0


def test_notices_of_a_dead_worker_are_claimed_by_another(client, make_notifier, group):
    conversation = f"wechat-{uuid.uuid4().hex[:10]}"
    report_no = file_vehicle_claim(channel="wechat", conversation_id=conversation)
    since = last_id(client, OUTBOUND_STREAM)
    staff_move(report_no, "accepted")
    client.xreadgroup(group, "dead-worker", {STREAM: ">"}, count=10)
    time.sleep(0.05)

    make_notifier(consumer="other", claim_idle_ms=10).poll_once()

    assert len(outbound_since(client, since, conversation)) == 1
    assert client.xpending(STREAM, group)["pending"] == 0


def test_notice_text_fills_the_domain_response():
    assert notifier.notice_text({"message_zh": "测试消息"}) == template().replace("{message}", "测试消息")


@pytest.mark.parametrize("fields, expected", [
    ({"channel": "socketio", "conversation_id": "a"}, ("outbound", "socketio")),
    ({"channel": "wechat", "conversation_id": "o-123"}, ("outbound", "wechat")),
    ({"channel": "rest", "conversation_id": "a"}, ("pending", "rest")),
    ({"channel": "telegram", "conversation_id": "a"}, ("pending", "telegram")),
    ({"channel": "phone", "conversation_id": ""}, ("none", None)),
])
def test_route(fields, expected):
    assert notifier.route(fields) == expected


def test_python_m_bot_notifier_runs_as_a_service(client):
    """The process `make run` starts (stack/topology.py): a stage change reaches chat:outbound."""
    conversation = f"socketio-{uuid.uuid4().hex[:10]}"
    report_no = file_vehicle_claim(channel="socketio", conversation_id=conversation)
    since = last_id(client, OUTBOUND_STREAM)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REDIS_URL": redis_url()}
    process = subprocess.Popen([sys.executable, "-m", "bot.notifier"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        staff_move(report_no, "accepted")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not outbound_since(client, since, conversation):
            time.sleep(0.2)
        [entry] = outbound_since(client, since, conversation)
        assert entry["text"] == template().replace("{message}", api_message(report_no))
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0].decode("utf-8", "replace")
    assert process.returncode in (0, -15), output


def test_run_survives_its_stream_being_deleted(client):
    stream = f"test-notifications-{uuid.uuid4().hex[:8]}"
    worker = notifier.Notifier(client, stream=stream, group="bot-notifier", consumer="c", block_ms=100)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        time.sleep(0.5)
        client.delete(stream)  # the group goes with it
        time.sleep(0.5)
        conversation = f"rest-{uuid.uuid4().hex[:10]}"
        client.xadd(stream, {"notification_id": "1", "report_no": "BA20990101000001",
                             "stage": "accepted", "stage_label_zh": "已受理", "message_zh": "测试",
                             "channel": "rest", "conversation_id": conversation,
                             "created_at": str(time.time())})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not client.llen(PENDING_PREFIX + conversation):
            time.sleep(0.1)
        assert client.llen(PENDING_PREFIX + conversation) == 1
        assert thread.is_alive()
    finally:
        stop.set()
        thread.join(timeout=5)
        client.delete(stream)

"""Several instances share one conversation: state lives in Redis, not in a process.

- Turns of one report sent alternately to rasa-1 and rasa-2 (each calling the action
  servers through their balancer) make one coherent conversation and one correct claim.
- Messages of one customer arriving at both instances at once are processed one at a time,
  in the order they arrived (Redis lock store): none is lost, no turn interleaves.
"""
from __future__ import annotations

import threading
import time
import uuid
from typing import Dict, List

import requests

from tests.conversations import runner
from tests.scale.chats import AlternatingChat, customer, slots


def test_turns_alternating_between_two_instances_stay_coherent(healthy):
    cluster = healthy
    person = customer("minimal_start_step_by_step")  # many turns, one question at a time
    chat = AlternatingChat(cluster.rasa_urls, f"scale-alt-{uuid.uuid4().hex[:8]}")

    outcome = runner.run_customer(person, "", cluster.url("claims-api"), "", chat=chat)

    assert outcome.passed, f"{outcome.problems}\n{outcome.transcript}"
    assert set(chat.used) == set(cluster.rasa_urls) and outcome.turns >= 8
    # Both instances read the same conversation from Redis.
    first, second = (slots(url, chat.sender) for url in cluster.rasa_urls)
    assert first == second and first["report_last_number"], first
    # Both action servers did part of the work (the balancer spreads Rasa's calls).
    for name in ("actions-1", "actions-2"):
        assert "validate_report_form" in cluster.log(name) or "report_form" in cluster.log(name), (
            f"{name} never ran an action:\n{cluster.log(name)[-1500:]}")


def test_messages_of_one_customer_at_both_instances_are_processed_in_order(healthy):
    cluster = healthy
    sender = f"scale-lock-{uuid.uuid4().hex[:8]}"
    said = ["我要报案", "保单号PDAA202603010000001234", "王建国", "昨天下午三点",
            "朝阳区建国路", "被后车追尾了"]
    replies: Dict[int, List[dict]] = {}

    def send(index: int) -> None:
        # requests.post opens a connection per call: the balancer alternates instances.
        response = requests.post(f"{cluster.url('rasa-lb')}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": said[index]}, timeout=120)
        response.raise_for_status()
        replies[index] = response.json()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(said))]
    for thread in threads:  # staggered so that the arrival order is known
        thread.start()
        time.sleep(0.15)
    for thread in threads:
        thread.join(timeout=180)

    assert sorted(replies) == list(range(len(said))) and all(replies.values()), replies
    events = requests.get(f"{cluster.url('rasa-1')}/conversations/{sender}/tracker",
                          timeout=30).json()["events"]
    users = [i for i, e in enumerate(events) if e["event"] == "user"]
    assert [events[i]["text"] for i in users] == said
    # Each turn ran to its end (the bot listened) before the next message was taken.
    for start, end in zip(users, users[1:] + [len(events)]):
        turn = events[start + 1:end]
        assert any(e["event"] == "action" and e.get("name") == "action_listen" for e in turn), turn
        assert any(e["event"] == "bot" for e in turn), turn

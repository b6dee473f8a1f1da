"""Parts of the cluster fail mid-conversation: nothing is lost, the customer is told the truth.

- Both action servers killed mid-form: the turn answers with an apology (not silence),
  the slots already collected stay, and once the servers are back the report goes on to
  exactly one claim.
- A Rasa server killed and started again mid-conversation: the conversation continues
  from Redis on the new process.
- Redis stopped for a moment: the turn answers with the apology, no process dies or
  restarts in a loop, and once Redis is back the same conversation goes on.

(The Claims API down at filing is tests/conversations/test_outage.py; a burst of identical
WeChat retries is tests/channels/test_wechat_load.py.)
"""
from __future__ import annotations

import time
import uuid

from tests.conversations import runner
from tests.conversations.stack import Chat
from tests.scale.chats import APOLOGY_CUE, customer, slots, texts

COLLECTED = ("intake_policy_number", "intake_incident_time", "intake_incident_place",
             "intake_contact_phone", "intake_casualties")


def opening(chat: Chat, person: dict) -> list:
    replies = []
    for text in person["says"]:
        replies = chat.say(text)
    return replies


def answer_for(person: dict, replies: list) -> str:
    asked = runner.asked_field(replies)
    assert asked and person["answers"].get(asked), f"unexpected question: {texts(replies)}"
    value = person["answers"][asked]
    return value[0] if isinstance(value, list) else value


def kept(cluster, sender: str) -> dict:
    return {name: slots(cluster.url("rasa-1"), sender)[name] for name in COLLECTED}


def start_report(cluster, rasa: str, name: str):
    """A customer who told everything in one message, at `rasa`; what the bot kept."""
    person = customer("rear_end_everything_at_once")
    chat = Chat(cluster.url(rasa), f"scale-{name}-{uuid.uuid4().hex[:8]}")
    replies = opening(chat, person)
    before = kept(cluster, chat.sender)
    assert before["intake_policy_number"] == "PDAA202603010000001234", before
    return person, chat, replies, before


def finish(cluster, person: dict, chat: Chat, replies: list) -> None:
    """The customer answers the rest; exactly one correct claim is filed."""
    outcome = runner.finish_customer(person, chat, cluster.url("claims-api"), replies)
    assert outcome.passed, f"{outcome.problems}\n{outcome.transcript}"


def test_action_servers_killed_mid_form(healthy):
    cluster = healthy
    person, chat, replies, before = start_report(cluster, "rasa-lb", "actions")

    cluster.kill("actions-1", "actions-2")
    failed = chat.say(answer_for(person, replies))
    assert APOLOGY_CUE in texts(failed), chat.dump()
    assert kept(cluster, chat.sender) == before
    assert cluster.services["rasa-1"].running() and cluster.services["rasa-2"].running()

    cluster.start("actions-1", "actions-2")
    finish(cluster, person, chat, replies)


def test_rasa_killed_and_started_again_mid_conversation(healthy):
    cluster = healthy
    person, chat, replies, before = start_report(cluster, "rasa-1", "restart")

    cluster.kill("rasa-1")
    cluster.start("rasa-1")

    assert kept(cluster, chat.sender) == before
    finish(cluster, person, chat, replies)


def test_redis_briefly_unavailable(healthy):
    cluster = healthy
    person, chat, replies, before = start_report(cluster, "rasa-lb", "redis")
    answer = answer_for(person, replies)

    cluster.stop("redis")  # a clean stop: the append-only file keeps what was written
    for _ in range(2):  # one message to each instance
        failed = chat.say(answer)
        assert APOLOGY_CUE in texts(failed), chat.dump()
    time.sleep(3)  # long enough for a crash or a restart loop to show
    for name in ("rasa-1", "rasa-2", "actions-1", "actions-2", "claims-api"):
        assert cluster.services[name].running(), f"{name} died:\n{cluster.log(name)[-2000:]}"
        assert cluster.services[name].healthy(), f"{name} unhealthy:\n{cluster.log(name)[-2000:]}"

    cluster.start("redis")
    assert kept(cluster, chat.sender) == before
    finish(cluster, person, chat, replies)

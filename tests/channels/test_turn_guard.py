"""channels/turn_guard.py with Rasa's own trackers and tracker store."""
from __future__ import annotations

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationPaused, UserUttered

from channels.turn_guard import TURN_FAILED, handle_or_apologise

pytestmark = pytest.mark.asyncio


class AgentWithStore:
    """What the guard reads of Rasa's agent: its tracker store."""

    def __init__(self) -> None:
        self.tracker_store = InMemoryTrackerStore(Domain.empty())


def message(text: str = "保单号PDAA202603010000001234") -> UserMessage:
    return UserMessage(text, CollectingOutputChannel(), "guard-test")


def turn(agent: AgentWithStore, *after_user):
    """An on_new_message that records the user turn and then `after_user` events."""
    async def on_new_message(msg: UserMessage) -> None:
        tracker = await agent.tracker_store.get_or_create_tracker(msg.sender_id)
        tracker.update(UserUttered(msg.text, message_id=msg.message_id))
        for event in after_user:
            tracker.update(event)
        await agent.tracker_store.save(tracker)
    return on_new_message


def said(msg: UserMessage) -> list:
    return [m.get("text") for m in msg.output_channel.messages]


async def test_a_raised_failure_is_apologised_for():
    async def broken(_: UserMessage) -> None:
        raise ConnectionError("Redis is down")

    msg = message()
    assert await handle_or_apologise(broken, msg, AgentWithStore()) is False
    assert said(msg) == [TURN_FAILED]


async def test_a_silent_turn_is_apologised_for():
    agent = AgentWithStore()
    msg = message()
    ok = await handle_or_apologise(turn(agent, ActionExecuted("report_form"),
                                        ActionExecuted("action_listen")), msg, agent)
    assert ok is False and said(msg) == [TURN_FAILED]


async def test_an_answered_turn_is_left_alone():
    agent = AgentWithStore()
    msg = message()

    async def answered(m: UserMessage) -> None:
        await turn(agent, BotUttered("请问出险人的姓名是？"))(m)
        await m.output_channel.send_text_message(m.sender_id, "请问出险人的姓名是？")

    assert await handle_or_apologise(answered, msg, agent) is True
    assert said(msg) == ["请问出险人的姓名是？"]


async def test_a_conversation_with_an_agent_may_stay_silent():
    agent = AgentWithStore()
    msg = message("人呢")
    assert await handle_or_apologise(turn(agent, ConversationPaused()), msg, agent) is True
    assert said(msg) == []


async def test_only_this_turn_is_judged():
    """An earlier silent turn does not make a later answered one look silent."""
    agent = AgentWithStore()
    await handle_or_apologise(turn(agent), message(), agent)
    msg = message("王建国")

    async def answered(m: UserMessage) -> None:
        await turn(agent, BotUttered("好的"))(m)

    assert await handle_or_apologise(answered, msg, agent) is True


async def test_a_cancelled_turn_is_apologised_for_and_stays_cancelled():
    import asyncio

    async def cut_off(_: UserMessage) -> None:
        raise asyncio.CancelledError()

    msg = message()
    with pytest.raises(asyncio.CancelledError):
        await handle_or_apologise(cut_off, msg, AgentWithStore())
    assert said(msg) == [TURN_FAILED]

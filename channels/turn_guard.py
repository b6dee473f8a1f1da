"""No silent turns: when Rasa fails a customer's turn, the customer is told so.

Rasa 3.6 swallows a failed custom action (action server down or crashing: the action's
events are dropped and nothing is said), and a failed tracker or lock store (Redis down)
raises out of `handle_message`. Either way the customer would wait for an answer that
never comes. Every channel passes its turns through `handle_or_apologise`, which says
what happened and what to do. What the customer said on earlier turns stays in the
tracker store, so nothing they gave has to be repeated.

A turn may rightly say nothing only while a human agent has the conversation (the tracker
is paused): the agent answers.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

TURN_FAILED = ("抱歉，系统刚才出了点问题，您这条消息没有处理成功。"
               "请稍等一两分钟再发一次；您之前提供的信息都还保留着，不用重新说。")


async def handle_or_apologise(on_new_message: OnNewMessage, message: UserMessage,
                              agent: Optional[Any]) -> bool:
    """Runs the turn; True when it went through, False when the customer got the apology.

    `agent` is the Rasa agent (`app.ctx.agent`) used to read the tracker after the turn;
    without it only a raised failure is caught."""
    try:
        await on_new_message(message)
    except asyncio.CancelledError:  # cut off (a client library or a timeout): still say so
        logger.error("turn of %s was cancelled", message.sender_id)
        await _apologise(message)
        raise
    except Exception:  # noqa: BLE001 - the customer must hear something
        logger.exception("turn of %s failed", message.sender_id)
        await _apologise(message)
        return False
    if not _has_spoken(message.output_channel) and agent is not None \
            and await _was_silent(agent, message):
        logger.error("turn of %s produced no answer (custom action failed?)", message.sender_id)
        await _apologise(message)
        return False
    return True


def agent_of(app: Optional[Any]) -> Optional[Any]:
    """The Rasa agent of a Sanic app (`app.ctx.agent`); None before the app has one."""
    return getattr(app.ctx, "agent", None) if app is not None else None


def _has_spoken(output_channel: Any) -> bool:
    """Whether the channel already sent something this turn, so the tracker need not be
    read: a collector's messages, or `spoken` on channels that count their sends."""
    return bool(getattr(output_channel, "messages", None) or getattr(output_channel, "spoken", False))


async def _was_silent(agent: Any, message: UserMessage) -> bool:
    """The tracker holds this message and no bot utterance after it, and no agent has it."""
    try:
        tracker = await agent.tracker_store.retrieve(message.sender_id)
    except Exception:  # noqa: BLE001 - cannot tell; say nothing rather than guess
        logger.exception("tracker of %s could not be read after the turn", message.sender_id)
        return False
    if tracker is None or tracker.is_paused():
        return False
    events = list(tracker.events)
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if getattr(event, "type_name", "") == "user" and event.message_id == message.message_id:
            return not any(getattr(e, "type_name", "") == "bot" for e in events[index + 1:])
    return False  # not this turn's tracker (restarted or a new session): nothing to judge


async def _apologise(message: UserMessage) -> None:
    try:
        await message.output_channel.send_text_message(message.sender_id, TURN_FAILED)
    except Exception:  # noqa: BLE001 - the channel itself is gone; nothing more to do
        logger.exception("apology to %s could not be sent", message.sender_id)

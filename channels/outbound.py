"""Delivers messages that are not Rasa's reply to a user message: `python -m channels.outbound`.

Producers (the agent console during a handoff, the progress-notice worker, the web app
after an upload) append to the Redis stream `chat:outbound`:

| field | |
|---|---|
| conversation_id | the Rasa conversation (web chat session id, WeChat OpenID) |
| channel | `socketio` or `wechat` |
| text | the message |
| buttons | optional JSON list of `{"title", "payload"}` |
| kind | `agent`, `notice` or `system` |
| dedupe_id | optional; a message with the same id is delivered once |
| event | optional: `agent_joined` / `agent_left` (the page shows or hides its banner) |

Workers read through the consumer group `chat-outbound-delivery`, so several share the
work, and acknowledge an entry once it is delivered. Entries left unacknowledged by a
crashed worker are claimed again after a minute; after five failed attempts an entry
moves to `chat:outbound:dead`.

- wechat → the customer-service message API (split within WeChat's limits, buttons as
  numbered options the customer can answer with a digit).
- socketio → `bot_uttered` to the room of the session through python-socketio's Redis
  manager; if the customer is not connected it waits in `chat:pending:<conversation>`
  and goes out when they come back.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import redis
import socketio
from redis import asyncio as aioredis

from channels.settings import (
    OUTBOUND_GROUP,
    OUTBOUND_STREAM,
    redis_url,
    socketio_redis_channel,
)
from channels.webchat_store import WebChatStore
from channels.wechat import texts as wechat_texts
from channels.wechat.config import WeChatConfig
from channels.wechat.options import OptionMemory
from channels.wechat.render import render

logger = logging.getLogger("channels.outbound")

CHANNELS = ("socketio", "wechat")
KINDS = ("agent", "notice", "system")
EVENTS = ("agent_joined", "agent_left")
DEAD_STREAM = OUTBOUND_STREAM + ":dead"
DONE_PREFIX = "chat:outbound:done:"
ATTEMPTS_SUFFIX = ":attempts"  # hash: entry id → failed deliveries
DONE_SECONDS = 7 * 24 * 3600
MAX_ATTEMPTS = 5
BOT_MESSAGE_EVENT = "bot_uttered"


class InvalidMessage(ValueError):
    pass


@dataclass
class OutboundMessage:
    conversation_id: str
    channel: str
    text: str
    kind: str
    buttons: List[Dict[str, str]] = field(default_factory=list)
    dedupe_id: Optional[str] = None
    event: Optional[str] = None

    @classmethod
    def from_fields(cls, fields: Dict[str, str]) -> "OutboundMessage":
        conversation_id = (fields.get("conversation_id") or "").strip()
        channel = (fields.get("channel") or "").strip()
        kind = (fields.get("kind") or "system").strip()
        event = (fields.get("event") or "").strip() or None
        text = fields.get("text") or ""
        if not conversation_id:
            raise InvalidMessage("conversation_id is missing")
        if channel not in CHANNELS:
            raise InvalidMessage(f"channel must be one of {CHANNELS}, not {channel!r}")
        if kind not in KINDS:
            raise InvalidMessage(f"kind must be one of {KINDS}, not {kind!r}")
        if event is not None and event not in EVENTS:
            raise InvalidMessage(f"event must be one of {EVENTS}, not {event!r}")
        try:
            buttons = json.loads(fields.get("buttons") or "[]")
        except json.JSONDecodeError as error:
            raise InvalidMessage(f"buttons is not JSON: {error}") from None
        if not isinstance(buttons, list) or not all(
                isinstance(b, dict) and "title" in b and "payload" in b for b in buttons):
            raise InvalidMessage('buttons must be a list of {"title", "payload"}')
        if not text.strip() and not buttons:
            raise InvalidMessage("text is empty")
        return cls(conversation_id, channel, text, kind,
                   [{"title": str(b["title"]), "payload": str(b["payload"])} for b in buttons],
                   (fields.get("dedupe_id") or "").strip() or None, event)

    def socket_payload(self, entry_id: str) -> Dict[str, Any]:
        payload: Dict[str, Any] = {"id": self.dedupe_id or entry_id, "text": self.text,
                                   "kind": self.kind, "timestamp": time.time()}
        if self.buttons:
            payload["quick_replies"] = [{"content_type": "text", **b} for b in self.buttons]
        if self.event:
            payload["event"] = self.event
        return payload


def outbound_fields(conversation_id: str, channel: str, text: str, kind: str,
                    buttons: Optional[List[Dict[str, str]]] = None,
                    dedupe_id: Optional[str] = None, event: Optional[str] = None) -> Dict[str, str]:
    """The stream entry of one message (for producers written in Python)."""
    fields = {"conversation_id": conversation_id, "channel": channel, "text": text, "kind": kind}
    if buttons:
        fields["buttons"] = json.dumps(buttons, ensure_ascii=False)
    if dedupe_id:
        fields["dedupe_id"] = dedupe_id
    if event:
        fields["event"] = event
    return fields


class OutboundWorker:
    def __init__(self, url: Optional[str] = None, consumer: Optional[str] = None,
                 block_ms: int = 2000, claim_idle_ms: int = 60_000,
                 wechat_config: Optional[WeChatConfig] = None,
                 stream: str = OUTBOUND_STREAM, group: str = OUTBOUND_GROUP) -> None:
        self.url = url or redis_url()
        self.stream = stream
        self.group = group
        self.dead_stream = stream + ":dead"
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.block_ms = block_ms
        self.claim_idle_ms = claim_idle_ms
        self.redis = aioredis.Redis.from_url(self.url, decode_responses=True, socket_timeout=None)
        self.store = WebChatStore(self.redis)
        self.sockets = socketio.AsyncRedisManager(self.url, channel=socketio_redis_channel(),
                                                  write_only=True)
        self.wechat_config = wechat_config or WeChatConfig.load()
        self._wechat_api: Any = None
        self._last_claim = 0.0

    # --- the loop ---------------------------------------------------------------------

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def run(self, stop: asyncio.Event) -> None:
        await self.ensure_group()
        logger.info("outbound worker %s reading %s", self.consumer, self.stream)
        while not stop.is_set():
            try:
                await self.poll_once()
            except (redis.ConnectionError, redis.TimeoutError) as error:
                logger.warning("Redis unavailable (%s); retrying in 1 s", error)
                await asyncio.sleep(1)
            except redis.ResponseError as error:
                if "NOGROUP" not in str(error) and "UNBLOCKED" not in str(error):
                    raise
                logger.warning("%s or its group was deleted; creating it again", self.stream)
                await self.ensure_group()

    async def poll_once(self) -> int:
        """Read (and reclaim stale) entries, deliver them; returns how many were handled."""
        entries: List[Tuple[str, Dict[str, str]]] = []
        if time.monotonic() - self._last_claim > self.claim_idle_ms / 1000 / 2:
            self._last_claim = time.monotonic()
            claimed = await self.redis.xautoclaim(self.stream, self.group, self.consumer,
                                                  min_idle_time=self.claim_idle_ms, count=50)
            entries.extend(e for e in claimed[1] if e and e[1] is not None)
        response = await self.redis.xreadgroup(self.group, self.consumer,
                                               {self.stream: ">"}, count=20,
                                               block=self.block_ms)
        for _stream, items in response or []:
            entries.extend(items)
        for entry_id, fields in entries:
            await self.handle(entry_id, fields)
        return len(entries)

    async def handle(self, entry_id: str, fields: Dict[str, str]) -> None:
        try:
            message = OutboundMessage.from_fields(fields)
        except InvalidMessage as error:
            logger.error("outbound entry %s refused: %s", entry_id, error)
            await self._dead(entry_id, fields, str(error))
            return
        done_key = DONE_PREFIX + (message.dedupe_id or entry_id)
        if await self.redis.exists(done_key):
            await self._ack(entry_id)
            return
        try:
            await self.deliver(entry_id, message)
        except Exception as error:  # noqa: BLE001 - retried later, then dead-lettered
            attempts = await self.redis.hincrby(self.stream + ATTEMPTS_SUFFIX, entry_id, 1)
            logger.warning("outbound entry %s not delivered (attempt %s): %s",
                           entry_id, attempts, error)
            if attempts >= MAX_ATTEMPTS:
                await self._dead(entry_id, fields, repr(error))
            return
        await self.redis.set(done_key, entry_id, ex=DONE_SECONDS)
        await self._ack(entry_id)

    async def _ack(self, entry_id: str) -> None:
        await self.redis.xack(self.stream, self.group, entry_id)
        await self.redis.hdel(self.stream + ATTEMPTS_SUFFIX, entry_id)

    async def _dead(self, entry_id: str, fields: Dict[str, str], reason: str) -> None:
        await self.redis.xadd(self.dead_stream, {**fields, "entry_id": entry_id, "reason": reason},
                              maxlen=10_000, approximate=True)
        await self._ack(entry_id)

    # --- delivery ---------------------------------------------------------------------

    async def deliver(self, entry_id: str, message: OutboundMessage) -> None:
        if message.channel == "wechat":
            await self.deliver_wechat(message)
        else:
            await self.deliver_socketio(message.conversation_id, message.socket_payload(entry_id))

    async def deliver_socketio(self, conversation_id: str, payload: Dict[str, Any]) -> None:
        if await self.store.is_online(conversation_id):
            await self._emit(conversation_id, payload)
            return
        await self.store.keep(conversation_id, payload)
        # The customer may have connected between the check and the push; the channel
        # flushes after marking itself online, we flush after pushing: one of us sees it.
        if await self.store.is_online(conversation_id):
            while (waiting := await self.store.take_one(conversation_id)) is not None:
                await self._emit(conversation_id, waiting)

    async def _emit(self, conversation_id: str, payload: Dict[str, Any]) -> None:
        await self.store.record(conversation_id, payload)  # first: the history is the record
        await self.sockets.emit(BOT_MESSAGE_EVENT, payload, room=conversation_id, namespace="/")

    async def deliver_wechat(self, message: OutboundMessage) -> None:
        api = self._wechat()
        text = message.text
        if message.kind == "agent":
            text = wechat_texts.AGENT_PREFIX + text
        rendered = render([{"text": text, "buttons": message.buttons}])
        await OptionMemory(self.redis).remember(message.conversation_id, rendered.options)
        for chunk in rendered.chunks:
            await asyncio.to_thread(api.send_text, message.conversation_id, chunk)

    def _wechat(self) -> Any:
        if self._wechat_api is None:
            from channels.wechat.client import WeChatApi

            self._wechat_api = WeChatApi(self.wechat_config, redis.Redis.from_url(self.url))
        return self._wechat_api

    async def close(self) -> None:
        await self.redis.close()


async def _main(once: bool) -> None:
    worker = OutboundWorker()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        if once:
            await worker.ensure_group()
            await worker.poll_once()
        else:
            await worker.run(stop)
    finally:
        await worker.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m channels.outbound", description=__doc__.split("\n")[0])
    parser.add_argument("--once", action="store_true", help="handle what is waiting, then exit")
    args = parser.parse_args()
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(_main(args.once))


if __name__ == "__main__":
    main()

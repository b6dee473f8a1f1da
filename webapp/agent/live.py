"""Live updates of the agent console over WebSocket.

One `Hub` per web app process follows two Redis streams from the moment it starts:
`rasa:events` (every tracker event, from bot/event_broker.py) and `handoff:events` (queue
changes from the bot and every console). It sends to the consoles connected to this
process:

- `{"type": "queue", "waiting": [...], "active": [...], "callbacks": [...], "agents_online"}`
  when anything in the queue changed (debounced), and on connect;
- `{"type": "line", "conversation_id", "line"}` for each transcript line of a conversation
  the console is watching (transcript.item);
- `{"type": "handoff", "event", "conversation_id", ...}` when a watched conversation is
  taken or ended.

A console says what it watches with `{"type": "watch", "conversation_id"}`. Nothing is kept
in the hub that a reload cannot rebuild: a console that reconnects (after a network blip or a
web app restart) fetches the queue and the transcript again.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set

import redis
from fastapi import WebSocket
from redis import asyncio as aioredis

from webapp.agent import transcript
from webapp.agent.queue import EVENTS, HandoffStore

logger = logging.getLogger(__name__)

RASA_EVENTS = "rasa:events"  # bot/event_broker.py
HEARTBEAT_SECONDS = 30
EXPIRING_EVENTS = {"session_started": "session_expired", "restart": "restarted"}


@dataclass(eq=False)
class Console:
    socket: WebSocket
    agent: str
    watching: Optional[str] = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, message: Dict[str, Any]) -> bool:
        async with self.lock:
            try:
                await self.socket.send_json(message)
                return True
            except Exception:  # noqa: BLE001 - a closed socket; the hub drops it
                return False


class Hub:
    def __init__(self, client: aioredis.Redis, store: HandoffStore,
                 callbacks: Callable[[], "asyncio.Future[List[Dict[str, Any]]]"]) -> None:
        self.client = client
        self.store = store
        self.callbacks = callbacks
        self.consoles: Set[Console] = set()
        self._queue_dirty = asyncio.Event()

    # --- consoles ---------------------------------------------------------------------

    async def connect(self, console: Console) -> None:
        self.consoles.add(console)
        await self.store.heartbeat(console.agent)
        await console.send(await self.queue_snapshot())

    async def disconnect(self, console: Console) -> None:
        self.consoles.discard(console)
        if not any(c.agent == console.agent for c in self.consoles):
            await self.store.offline(console.agent)

    async def _send_all(self, consoles: List[Console], message: Dict[str, Any]) -> None:
        results = await asyncio.gather(*(c.send(message) for c in consoles))
        for console, ok in zip(consoles, results):
            if not ok:
                self.consoles.discard(console)

    def queue_changed(self) -> None:
        self._queue_dirty.set()

    async def queue_snapshot(self) -> Dict[str, Any]:
        waiting, active = await self.store.waiting(), await self.store.active()
        return {"type": "queue", "waiting": waiting, "active": active,
                "callbacks": await self.callbacks(),
                "agents_online": await self.store.agents_online(), "at": time.time()}

    # --- the streams --------------------------------------------------------------------

    async def on_rasa_event(self, fields: Dict[str, str]) -> None:
        conversation_id = fields.get("sender_id") or ""
        name = fields.get("event")
        if name in EXPIRING_EVENTS:
            # A new session (after Rasa's expiry) un-pauses the bot: a handoff requested
            # before it is over. (The stream is read later than Redis changes: a handoff
            # requested after this event, in the new session, stays.)
            session = await self.store.session(conversation_id)
            if (session.get("state") in ("waiting", "active")
                    and float(session.get("requested_at") or 0) < float(fields.get("timestamp") or 0)):
                await self.store.end(conversation_id, None, EXPIRING_EVENTS[name])
            return
        if name not in ("user", "bot", "pause", "resume"):
            return
        watchers = [c for c in self.consoles if c.watching == conversation_id]
        tracked = name == "user" and await self.store.is_tracked(conversation_id)
        if not watchers and not tracked:
            return
        event = json.loads(fields.get("data") or "{}")
        line = transcript.item(event)
        if line is None:
            return
        if watchers:
            await self._send_all(watchers, {"type": "line", "conversation_id": conversation_id,
                                            "line": line})
        if tracked:
            await self.store.note_message(conversation_id, line["text"], line.get("emotion"),
                                          line["timestamp"] or time.time())
            self.queue_changed()

    async def on_handoff_event(self, fields: Dict[str, str]) -> None:
        self.queue_changed()
        conversation_id = fields.get("conversation_id") or ""
        watchers = [c for c in self.consoles if c.watching == conversation_id]
        if watchers and fields.get("type") in ("taken", "ended", "rated"):
            data = json.loads(fields.get("data") or "{}")
            await self._send_all(watchers, {"type": "handoff", "event": fields["type"],
                                            "conversation_id": conversation_id, **data})

    async def follow(self, stop: asyncio.Event) -> None:
        """Reads both streams from now on, forever (reconnecting after Redis errors)."""
        last = {RASA_EVENTS: "$", EVENTS: "$"}
        while not stop.is_set():
            try:
                for stream in last:
                    if last[stream] == "$":
                        newest = await self.client.xrevrange(stream, count=1)
                        last[stream] = newest[0][0] if newest else "0-0"
                response = await self.client.xread(last, block=2000, count=200)
                for stream, entries in response or []:
                    for entry_id, fields in entries:
                        last[stream] = entry_id
                        try:
                            if stream == RASA_EVENTS:
                                await self.on_rasa_event(fields)
                            else:
                                await self.on_handoff_event(fields)
                        except redis.RedisError:
                            raise
                        except Exception:  # noqa: BLE001 - one bad event must not stop the feed
                            logger.exception("live event %s of %s not handled", entry_id, stream)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                logger.warning("Redis unavailable for live updates (%s); retrying", error)
                await asyncio.sleep(1)

    async def publish_queue(self, stop: asyncio.Event) -> None:
        """At most one queue snapshot every 0.3 s, after a change; a heartbeat of the
        connected agents every 30 s (also a refresh, so waiting times stay current)."""
        next_beat = time.monotonic()
        while not stop.is_set():
            try:
                await asyncio.wait_for(self._queue_dirty.wait(), timeout=1.0)
            except asyncio.TimeoutError:
                pass
            try:
                if time.monotonic() >= next_beat:
                    next_beat = time.monotonic() + HEARTBEAT_SECONDS
                    for agent in {c.agent for c in self.consoles}:
                        await self.store.heartbeat(agent)
                    self._queue_dirty.set()
                if self._queue_dirty.is_set():
                    # Cleared even with no console connected: a set flag would make
                    # the wait above return at once and this loop spin.
                    self._queue_dirty.clear()
                    if self.consoles:
                        await self._send_all(list(self.consoles), await self.queue_snapshot())
                        await asyncio.sleep(0.3)
            except (redis.ConnectionError, redis.TimeoutError) as error:
                logger.warning("Redis unavailable for the queue (%s)", error)
                await asyncio.sleep(1)

"""The handoff queue and sessions in Redis, the agent console's side.

Same keys as the bot's side (bot/handoff.py, another environment: nothing is shared by
import); the layout is documented once in docs/architecture.md ("Handoff"). The console
adds `handoff:active` (conversations with an agent) and the fields last_text,
last_emotion, last_at of a session (kept fresh from `rasa:events`).

Taking and ending are Lua scripts, so that one agent at a time holds a conversation,
however many consoles and web app instances are running.
"""
from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional, Tuple

from redis import asyncio as aioredis

QUEUE = "handoff:queue"
ACTIVE = "handoff:active"
SESSION_PREFIX = "handoff:session:"
AGENTS_ONLINE = "handoff:agents:online"
EVENTS = "handoff:events"
EVENTS_MAXLEN = 100_000
OUTBOUND = "chat:outbound"  # channels/outbound.py delivers it (web chat, WeChat)
AGENT_FRESH_SECONDS = 90

# KEYS: session, queue, active, events; ARGV: conversation, agent, agent name, now, maxlen.
_TAKE = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'waiting' then
  return {0, state or '', redis.call('HGET', KEYS[1], 'agent') or ''}
end
redis.call('HSET', KEYS[1], 'state', 'active', 'agent', ARGV[2], 'agent_name', ARGV[3],
           'taken_at', ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', 'type', 'taken',
           'conversation_id', ARGV[1], 'handoff_id', redis.call('HGET', KEYS[1], 'handoff_id') or '',
           'at', ARGV[4], 'data', cjson.encode({agent = ARGV[2], agent_name = ARGV[3],
           channel = redis.call('HGET', KEYS[1], 'channel') or ''}))
return {1, 'active', ARGV[2]}
"""

# Ends a waiting or active handoff; with ARGV[2] set, only the agent holding it may.
# KEYS: session, queue, active, events; ARGV: conversation, agent or '', reason, now, maxlen.
_END = """
local state = redis.call('HGET', KEYS[1], 'state')
local holder = redis.call('HGET', KEYS[1], 'agent') or ''
if state ~= 'waiting' and state ~= 'active' then
  return {0, state or '', holder}
end
if ARGV[2] ~= '' and (state ~= 'active' or holder ~= ARGV[2]) then
  return {0, state, holder}
end
redis.call('HSET', KEYS[1], 'state', 'ended', 'ended_at', ARGV[4], 'end_reason', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], '*', 'type', 'ended',
           'conversation_id', ARGV[1], 'handoff_id', redis.call('HGET', KEYS[1], 'handoff_id') or '',
           'at', ARGV[4], 'data', cjson.encode({agent = holder, reason = ARGV[3],
           channel = redis.call('HGET', KEYS[1], 'channel') or ''}))
return {1, 'ended', holder}
"""


def session_key(conversation_id: str) -> str:
    return SESSION_PREFIX + conversation_id


class HandoffStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client  # decode_responses=True

    async def session(self, conversation_id: str) -> Dict[str, str]:
        return await self.client.hgetall(session_key(conversation_id))

    async def take(self, conversation_id: str, agent: str, agent_name: str,
                   now: Optional[float] = None) -> Tuple[bool, str, str]:
        """(taken?, state, holder): False when it is not waiting (someone else has it,
        it ended, or it never was queued)."""
        now = time.time() if now is None else now
        ok, state, holder = await self.client.eval(
            _TAKE, 4, session_key(conversation_id), QUEUE, ACTIVE, EVENTS,
            conversation_id, agent, agent_name, f"{now:.3f}", EVENTS_MAXLEN)
        return bool(ok), state, holder

    async def end(self, conversation_id: str, agent: Optional[str], reason: str,
                  now: Optional[float] = None) -> Tuple[bool, str, str]:
        """(ended?, state, holder). `agent` None: whoever holds it (session expiry)."""
        now = time.time() if now is None else now
        ok, state, holder = await self.client.eval(
            _END, 4, session_key(conversation_id), QUEUE, ACTIVE, EVENTS,
            conversation_id, agent or "", reason, f"{now:.3f}", EVENTS_MAXLEN)
        return bool(ok), state, holder

    async def _sessions(self, key: str) -> List[Dict[str, Any]]:
        members = await self.client.zrange(key, 0, -1)
        if not members:
            return []
        async with self.client.pipeline(transaction=False) as pipe:
            for member in members:
                pipe.hgetall(session_key(member))
            found = await pipe.execute()
        return [dict(data, conversation_id=member) for member, data in zip(members, found) if data]

    async def waiting(self) -> List[Dict[str, Any]]:
        items = await self._sessions(QUEUE)
        for position, item in enumerate(items, start=1):
            item["position"] = position
        return items

    async def active(self) -> List[Dict[str, Any]]:
        return await self._sessions(ACTIVE)

    async def is_tracked(self, conversation_id: str) -> bool:
        state = await self.client.hget(session_key(conversation_id), "state")
        return state in ("waiting", "active")

    async def note_message(self, conversation_id: str, text: str, emotion: Optional[str],
                           at: float) -> None:
        """The customer's latest words and mood, for the queue list."""
        await self.client.hset(session_key(conversation_id), mapping={
            "last_text": text[:200], "last_emotion": emotion or "", "last_at": f"{at:.3f}"})

    async def heartbeat(self, agent: str, now: Optional[float] = None) -> None:
        await self.client.zadd(AGENTS_ONLINE, {agent: time.time() if now is None else now})

    async def offline(self, agent: str) -> None:
        await self.client.zrem(AGENTS_ONLINE, agent)

    async def agents_online(self, now: Optional[float] = None) -> int:
        now = time.time() if now is None else now
        return await self.client.zcount(AGENTS_ONLINE, now - AGENT_FRESH_SECONDS, "+inf")

    async def deliver(self, conversation_id: str, channel: str, text: str, kind: str,
                      dedupe_id: str, event: Optional[str] = None) -> None:
        """A message to the customer's channel through channels/outbound.py."""
        fields = {"conversation_id": conversation_id, "channel": channel, "text": text,
                  "kind": kind, "dedupe_id": dedupe_id}
        if event:
            fields["event"] = event
        await self.client.xadd(OUTBOUND, fields, maxlen=100_000, approximate=True)

    async def publish(self, kind: str, conversation_id: str, handoff_id: str = "",
                      **data: Any) -> None:
        await self.client.xadd(EVENTS, {"type": kind, "conversation_id": conversation_id,
                                        "handoff_id": handoff_id, "at": f"{time.time():.3f}",
                                        "data": json.dumps(data, ensure_ascii=False)},
                               maxlen=EVENTS_MAXLEN, approximate=True)

"""What the web chat keeps in Redis besides Rasa's tracker (no Rasa imports).

- `chat:online:<conversation>`: the socket ids connected to that conversation right now
  (any Rasa instance), so the outbound worker knows whether to emit or to keep.
- `chat:pending:<conversation>`: messages that arrived while nobody was connected,
  delivered (LPOP, so each exactly once) when the customer comes back.
- `chat:history:<conversation>`: outbound messages delivered to the page (agent replies,
  notices, system notes), which Rasa's tracker does not hold; shown again on reload.

Message payloads are what the page receives as `bot_uttered`: `{"id", "text",
"quick_replies"?: [{"title", "payload"}], "kind": "bot"|"agent"|"notice"|"system",
"event"?: "agent_joined"|"agent_left", "timestamp"}`.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from redis import asyncio as aioredis

from channels.settings import HISTORY_PREFIX, ONLINE_PREFIX, PENDING_PREFIX

HISTORY_LIMIT = 200
KEEP_SECONDS = 30 * 24 * 3600
ONLINE_SECONDS = 24 * 3600


class WebChatStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client

    # presence
    async def connected(self, conversation_id: str, sid: str) -> None:
        key = ONLINE_PREFIX + conversation_id
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.sadd(key, sid)
            pipe.expire(key, ONLINE_SECONDS)
            await pipe.execute()

    async def disconnected(self, conversation_id: str, sid: str) -> None:
        await self.client.srem(ONLINE_PREFIX + conversation_id, sid)

    async def is_online(self, conversation_id: str) -> bool:
        return bool(await self.client.scard(ONLINE_PREFIX + conversation_id))

    # pending
    async def keep(self, conversation_id: str, payload: Dict[str, Any]) -> None:
        key = PENDING_PREFIX + conversation_id
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(payload, ensure_ascii=False))
            pipe.expire(key, KEEP_SECONDS)
            await pipe.execute()

    async def take_one(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        raw = await self.client.lpop(PENDING_PREFIX + conversation_id)
        return json.loads(raw) if raw else None

    # history of outbound messages
    async def record(self, conversation_id: str, payload: Dict[str, Any]) -> None:
        key = HISTORY_PREFIX + conversation_id
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(payload, ensure_ascii=False))
            pipe.ltrim(key, -HISTORY_LIMIT, -1)
            pipe.expire(key, KEEP_SECONDS)
            await pipe.execute()

    async def history(self, conversation_id: str) -> List[Dict[str, Any]]:
        return [json.loads(raw) for raw in
                await self.client.lrange(HISTORY_PREFIX + conversation_id, 0, -1)]

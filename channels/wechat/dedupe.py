"""Exactly-once processing of WeChat's pushes, across processes (Redis SET NX).

WeChat retries a message it got no answer for within 5 s, up to three times, with the
same MsgId; events carry no MsgId, so FromUserName + CreateTime identifies them.
"""
from __future__ import annotations

from typing import Any

from redis import asyncio as aioredis

PREFIX = "wechat:seen:"
TTL_SECONDS = 24 * 3600  # far beyond WeChat's retry window (3 retries, 5 s apart)


def dedupe_key(message: Any) -> str:
    """MsgId for messages; FromUserName + CreateTime for events (which have no MsgId)."""
    if getattr(message, "id", 0):
        return f"msg:{message.id}"
    return f"evt:{message.source}:{message.time}"


class MessageDeduper:
    def __init__(self, client: aioredis.Redis, ttl: int = TTL_SECONDS) -> None:
        self.client = client
        self.ttl = ttl

    async def first_time(self, key: str) -> bool:
        """True for the first delivery of `key` only (atomic: SET NX EX)."""
        return bool(await self.client.set(PREFIX + key, "1", nx=True, ex=self.ttl))

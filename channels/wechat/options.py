"""Numbered options: WeChat has no buttons, so they become "1. …" lines, and a reply
that is just that number maps back to the button's payload (kept in Redis per user)."""
from __future__ import annotations

import json
import re
from typing import List, Optional

from redis import asyncio as aioredis

from channels.wechat.render import Option

PREFIX = "wechat:options:"
TTL_SECONDS = 30 * 60
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_CHOICE = re.compile(r"^\s*(?:第)?(\d{1,2})\s*(?:[.。、)）]|号|个)?\s*$")


def parse_choice(text: str) -> Optional[int]:
    """The 1-based number the customer typed (半角 or 全角, "2" / "2." / "第2个"), else None."""
    match = _CHOICE.match((text or "").translate(_FULLWIDTH))
    return int(match.group(1)) if match else None


class OptionMemory:
    def __init__(self, client: aioredis.Redis, ttl: int = TTL_SECONDS) -> None:
        self.client = client
        self.ttl = ttl

    async def remember(self, user: str, options: List[Option]) -> None:
        """The options of the latest reply; a reply without options forgets the old ones."""
        if options:
            value = json.dumps([o.as_dict() for o in options], ensure_ascii=False)
            await self.client.set(PREFIX + user, value, ex=self.ttl)
        else:
            await self.client.delete(PREFIX + user)

    async def resolve(self, user: str, text: str) -> Optional[Option]:
        """The option the customer chose by typing its number, if any."""
        number = parse_choice(text)
        if number is None:
            return None
        raw = await self.client.get(PREFIX + user)
        if not raw:
            return None
        options = json.loads(raw)
        if 1 <= number <= len(options):
            return Option(**options[number - 1])
        return None

    async def forget(self, user: str) -> None:
        await self.client.delete(PREFIX + user)

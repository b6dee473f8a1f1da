"""Numbered options in Redis: a digit maps back to the button's payload."""
import asyncio

import pytest
from redis import asyncio as aioredis

from channels.wechat.options import OptionMemory, parse_choice
from channels.wechat.render import Option


@pytest.mark.parametrize(("text", "number"), [
    ("1", 1), (" 2 ", 2), ("３", 3), ("2.", 2), ("2。", 2), ("第2个", 2), ("12", 12), ("3号", 3),
])
def test_parse_choice(text: str, number: int) -> None:
    assert parse_choice(text) == number


@pytest.mark.parametrize("text", ["", "一", "13812345678", "1 2", "我选1", "123"])
def test_parse_choice_rejects(text: str) -> None:
    assert parse_choice(text) is None


def test_remember_resolve_forget(redis_url: str) -> None:
    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url)
        memory = OptionMemory(client, ttl=60)
        user = "oOptionsUser0000000000000001"
        options = [Option("车辆损失", "/inform{\"claim_type\":\"vehicle\"}"), Option("其他", "/deny")]
        await memory.remember(user, options)
        assert await memory.resolve(user, "1") == options[0]
        assert await memory.resolve(user, "２") == options[1]
        assert await memory.resolve(user, "3") is None          # out of range: plain text
        assert await memory.resolve(user, "车险") is None        # not a number
        assert 0 < await client.ttl("wechat:options:" + user) <= 60
        await memory.remember(user, [])                          # a reply without options
        assert await memory.resolve(user, "1") is None
        await memory.remember(user, options)
        await memory.forget(user)
        assert await memory.resolve(user, "1") is None
        await client.close()

    asyncio.run(scenario())

"""The shared access token and the customer-service / media API, against the stand-in."""
import threading
import uuid
from typing import Iterator

import pytest
import redis
from wechatpy.exceptions import WeChatClientException

from channels.wechat.client import WeChatApi
from channels.wechat.config import WeChatConfig
from channels.wechat.token_store import PREFIX, REFRESH_MARGIN_SECONDS
from tests.channels import processes
from tests.channels.wechat_standin import WeChatStandIn


@pytest.fixture
def standin() -> Iterator[WeChatStandIn]:
    server = WeChatStandIn(processes.WECHAT_APP_SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def config(standin: WeChatStandIn) -> WeChatConfig:
    # a fresh app id per test: the token key in Redis is per app
    return WeChatConfig(token="t", app_id=f"wx{uuid.uuid4().hex[:16]}", app_secret=processes.WECHAT_APP_SECRET,
                        api_base=standin.url)


@pytest.fixture
def client(redis_url: str, config: WeChatConfig) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    connection.delete(PREFIX + config.app_id, PREFIX + config.app_id + ":lock")
    yield connection
    connection.delete(PREFIX + config.app_id)
    connection.close()


def test_send_text_fetches_a_token_once_and_shares_it(standin, config, client) -> None:
    api_a = WeChatApi(config, client)
    api_b = WeChatApi(config, redis.Redis(connection_pool=client.connection_pool))  # another "process"
    api_a.send_text("oUserA", "您好")
    api_b.send_text("oUserB", "请问还有什么可以帮您？")
    assert standin.tokens_issued == 1
    assert standin.messages_to("oUserA") == ["您好"]
    assert standin.messages_to("oUserB") == ["请问还有什么可以帮您？"]
    ttl = client.ttl(PREFIX + config.app_id)
    assert 7200 - REFRESH_MARGIN_SECONDS - 5 <= ttl <= 7200 - REFRESH_MARGIN_SECONDS  # refreshed early
    assert api_a.tokens.key == api_b.tokens.key


def test_concurrent_first_use_fetches_one_token(standin, config, client) -> None:
    apis = [WeChatApi(config, redis.Redis(connection_pool=client.connection_pool)) for _ in range(8)]
    threads = [threading.Thread(target=api.send_text, args=(f"oUser{i}", "hi")) for i, api in enumerate(apis)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert standin.tokens_issued == 1
    assert len(standin.calls_to("/cgi-bin/message/custom/send")) == 8


def test_invalid_token_is_refreshed_once_and_the_call_retried(standin, config, client) -> None:
    api = WeChatApi(config, client)
    api.send_text("oUser", "第一条")
    standin.revoke_tokens()  # WeChat invalidated it (e.g. fetched elsewhere)
    api.send_text("oUser", "第二条")
    assert standin.tokens_issued == 2
    assert standin.messages_to("oUser") == ["第一条", "第二条"]
    refused = [c for c in standin.calls_to("/cgi-bin/message/custom/send") if not c.body.get("_accepted")]
    assert len(refused) == 1


def test_a_token_refused_twice_raises_instead_of_looping(standin, config, client) -> None:
    api = WeChatApi(config, client)
    api.send_text("oUser", "ok")
    standin.valid_tokens.clear()
    original = standin.valid_tokens

    class NeverValid(set):
        def add(self, item: object) -> None:  # new tokens are refused too
            pass

    standin.valid_tokens = NeverValid()
    try:
        with pytest.raises(WeChatClientException) as error:
            api.send_text("oUser", "never arrives")
        assert error.value.errcode == 40001
    finally:
        standin.valid_tokens = original
    assert len(standin.calls_to("/cgi-bin/message/custom/send")) == 3  # ok, refused, refused


def test_download_media(standin, config, client) -> None:
    standin.add_media("m1", b"\xff\xd8\xffdata", "image/jpeg", "IMG_1.jpg")
    media = WeChatApi(config, client).download_media("m1")
    assert (media.content, media.content_type, media.filename) == (b"\xff\xd8\xffdata", "image/jpeg", "IMG_1.jpg")


def test_download_unknown_media_raises(standin, config, client) -> None:
    with pytest.raises(WeChatClientException) as error:
        WeChatApi(config, client).download_media("no-such-media")
    assert error.value.errcode == 40007


def test_wrong_secret_raises(standin, config, client) -> None:
    wrong = WeChatConfig(token="t", app_id=config.app_id, app_secret="wrong", api_base=standin.url)
    with pytest.raises(WeChatClientException) as error:
        WeChatApi(wrong, client).send_text("oUser", "x")
    assert error.value.errcode == 40013
    assert standin.messages_to("oUser") == []


def test_dedupe_first_time_only(redis_url: str) -> None:
    import asyncio

    from redis import asyncio as aioredis

    from channels.wechat.dedupe import MessageDeduper

    async def scenario() -> list:
        connection = aioredis.Redis.from_url(redis_url)
        deduper = MessageDeduper(connection, ttl=60)
        key = f"msg:{uuid.uuid4().int}"
        results = await asyncio.gather(*(deduper.first_time(key) for _ in range(10)))
        await connection.close()
        return results

    assert sorted(asyncio.run(scenario())) == [False] * 9 + [True]

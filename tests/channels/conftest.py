"""Fixtures of the channel tests: real Redis (db 12), real HTTP, a real Rasa server and
the rest of the stack as `make run` starts it; WeChat's API is the loopback stand-in."""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import redis

from tests.channels import processes
from tests.channels.wechat_server import WeChatServer
from tests.channels.wechat_standin import WeChatStandIn


# CHANNEL_TEST_STACK=<state.json> attaches to a stack started once with
# `python -m tests.channels.processes <state.json> <stand-in port>`; the stand-in then
# listens on CHANNEL_TEST_STANDIN_PORT. Without them every run starts its own stack.
ATTACH = os.environ.get("CHANNEL_TEST_STACK")


@pytest.fixture(scope="session")
def standin() -> Iterator[WeChatStandIn]:
    port = int(os.environ.get("CHANNEL_TEST_STANDIN_PORT", "0")) if ATTACH else 0
    server = WeChatStandIn(processes.WECHAT_APP_SECRET, port).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stack(standin: WeChatStandIn) -> Iterator[processes.ChannelStack]:
    """Claims API, actions, Rasa (credentials.yml: WeChat in safe mode + socket.io),
    outbound worker; WeChat's API at the stand-in."""
    if ATTACH:
        yield processes.attach(Path(ATTACH))
        return
    running = processes.start_stack(wechat_api_base=standin.url)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def redis_client(stack: processes.ChannelStack) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture
def wechat(stack: processes.ChannelStack) -> WeChatServer:
    return WeChatServer(f"{stack.rasa_url}/webhooks/wechat/webhook", processes.WECHAT_TOKEN,
                        stack.wechat_app_id, processes.WECHAT_AES_KEY)


@pytest.fixture
def openid() -> str:
    """A fresh WeChat user (OpenIDs are 28 characters)."""
    return "oTest" + uuid.uuid4().hex[:23]

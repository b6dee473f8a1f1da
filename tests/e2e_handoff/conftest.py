"""One running assistant for every handoff test of a test process (tests/e2e_handoff/stack.py):
real Redis (db 10), real HTTP, real Rasa and action servers, the real web app; WeChat's API
is the loopback stand-in of tests/channels."""
from __future__ import annotations

import uuid
from typing import Iterator

import pytest

from tests.channels import processes
from tests.channels.wechat_standin import WeChatStandIn
from tests.e2e_handoff import stack as handoff_stack


@pytest.fixture(scope="session")
def standin() -> Iterator[WeChatStandIn]:
    server = WeChatStandIn(processes.WECHAT_APP_SECRET).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stack(standin: WeChatStandIn) -> Iterator[handoff_stack.HandoffStack]:
    running = handoff_stack.start(standin.url)
    yield running
    running.stop()


@pytest.fixture
def sender() -> str:
    return "handoff-" + uuid.uuid4().hex[:16]

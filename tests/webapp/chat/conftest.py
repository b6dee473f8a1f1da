"""The whole stack for the browser tests (web app included, no WeChat configuration),
and headless Chromium (Debian's, driven by Playwright)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from tests.channels import processes

SCREENSHOTS = Path(os.environ.get("CHAT_SCREENSHOT_DIR", processes.ROOT / "var" / "screenshots"))


@pytest.fixture(scope="session")
def stack() -> Iterator[processes.ChannelStack]:
    if os.environ.get("CHANNEL_TEST_STACK"):  # a stack started once (tests/channels/processes.py)
        yield processes.attach(Path(os.environ["CHANNEL_TEST_STACK"]))
        return
    running = processes.start_stack(include_webapp=True, wechat=False)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS

"""The trained model, loaded once, and a parser that fixes the message time."""
import asyncio
import datetime as dt
import os
from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage

REFERENCE_TIME = "2026-11-22T10:00:00+08:00"


def latest_model() -> Path:
    configured = os.environ.get("CLAIMS_TEST_MODEL")
    if configured:
        return Path(configured)
    models = sorted(Path("models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        pytest.fail("No trained model: run `make train` (make test does it first).")
    return models[-1]


@pytest.fixture(scope="session")
def agent():
    return Agent.load(str(latest_model()))


@pytest.fixture(scope="session")
def parse(agent):
    loop = asyncio.new_event_loop()

    def _parse(text: str, message_time: str = REFERENCE_TIME) -> dict:
        message = UserMessage(text, metadata={"message_time": message_time})
        return loop.run_until_complete(agent.processor.parse_message(message))

    yield _parse
    loop.close()

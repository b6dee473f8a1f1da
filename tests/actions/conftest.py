"""Fixtures of the report-intake action tests: a real Claims API (subprocess, fresh
database), real Redis (db 14, own key prefix), trackers from tests/data/*.json.

Trackers may hold time placeholders, since the demo policies' dates move with the day
the data is loaded: "{{-1d@15:00}}" is yesterday 15:00 (+08:00), "{{now}}" is now.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict

import pytest
import redis
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.conversations.stack import ClaimsApiProcess, free_port, redis_url_for_tests, unique_prefix

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
_PLACEHOLDER = re.compile(r"\{\{(?:(-?\d+)d@(\d\d):(\d\d)( display)?|now)\}\}")


def now() -> dt.datetime:
    return dt.datetime.now(SHANGHAI).replace(microsecond=0)


def at(days: int, clock: str = "00:00") -> dt.datetime:
    """A moment `days` from today (Asia/Shanghai), at HH:MM."""
    day = now().date() + dt.timedelta(days=days)
    hour, minute = (int(x) for x in clock.split(":"))
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def render_time(match: "re.Match[str]") -> str:
    if match.group(0) == "{{now}}":
        return now().isoformat()
    moment = at(int(match.group(1)), f"{match.group(2)}:{match.group(3)}")
    return moment.strftime("%Y-%m-%d %H:%M") if match.group(4) else moment.isoformat()


def load_json(name: str) -> Dict[str, Any]:
    text = (DATA / name).read_text(encoding="utf-8")
    return json.loads(_PLACEHOLDER.sub(render_time, text))


def load_tracker(name: str, **slots: Any) -> Tracker:
    state = load_json(name)
    state["slots"] = {**state.get("slots", {}), **slots}
    return Tracker.from_dict(state)


def _reset_caches() -> None:
    from actions import common
    from bot.config import get_settings

    get_settings.cache_clear()
    common.claims_client.cache_clear()
    common._redis.cache_clear()


@pytest.fixture(scope="session")
def intake_stack(tmp_path_factory):
    """The Claims API and the environment the in-process actions read."""
    work = tmp_path_factory.mktemp("intake-actions")
    redis_url = redis_url_for_tests(work)
    api = ClaimsApiProcess(work, redis_url).start()
    prefix = unique_prefix()
    saved = {k: os.environ.get(k) for k in ("CLAIMS_API_URL", "REDIS_URL", "BOT_REDIS_PREFIX", "RASA_URL")}
    os.environ.update(CLAIMS_API_URL=api.url, REDIS_URL=redis_url, BOT_REDIS_PREFIX=prefix,
                      RASA_URL=f"http://127.0.0.1:{free_port()}")  # nothing listens: no push
    _reset_caches()
    yield SimpleNamespace(api=api, redis_url=redis_url, prefix=prefix, work=work)
    api.stop()
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    _reset_caches()


@pytest.fixture
def api_down(intake_stack):
    """The Claims API unreachable (a port nothing listens on) for one test."""
    os.environ["CLAIMS_API_URL"] = f"http://127.0.0.1:{free_port()}"
    _reset_caches()
    yield
    os.environ["CLAIMS_API_URL"] = intake_stack.api.url
    _reset_caches()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(ROOT / "domain")).as_dict()


@pytest.fixture
def redis_client(intake_stack):
    return redis.Redis.from_url(intake_stack.redis_url, decode_responses=True)

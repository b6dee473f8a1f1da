"""Settings of the bot side (actions, outbox worker), read from environment variables.

One `Settings` dataclass and `get_settings()`; defaults work on a fresh machine with nothing
configured (docs/architecture.md, contract §1). Tests build their own `Settings(...)`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    claims_api_url: str = field(default_factory=lambda: _env("CLAIMS_API_URL", "http://127.0.0.1:8000"))
    claims_api_token: str = field(default_factory=lambda: _env("CLAIMS_API_TOKEN", "demo-bot-token"))
    # "Down or slow": any call slower than this counts as unavailable.
    claims_api_timeout: float = field(default_factory=lambda: float(_env("CLAIMS_API_TIMEOUT", "5")))
    redis_url: str = field(default_factory=lambda: _env("REDIS_URL", "redis://127.0.0.1:6379/0"))
    rasa_url: str = field(default_factory=lambda: _env("RASA_URL", "http://127.0.0.1:5005"))
    rasa_token: str = field(default_factory=lambda: _env("RASA_TOKEN", ""))
    # Outbox worker: seconds between polls, first retry delay and its cap (exponential).
    outbox_poll_seconds: float = field(default_factory=lambda: float(_env("OUTBOX_POLL_SECONDS", "2")))
    outbox_backoff_seconds: float = field(default_factory=lambda: float(_env("OUTBOX_BACKOFF_SECONDS", "5")))
    outbox_backoff_max_seconds: float = field(
        default_factory=lambda: float(_env("OUTBOX_BACKOFF_MAX_SECONDS", "300"))
    )
    # Key prefix of everything the bot keeps in Redis (outbox, pending notices).
    redis_prefix: str = field(default_factory=lambda: _env("BOT_REDIS_PREFIX", "bot"))


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()

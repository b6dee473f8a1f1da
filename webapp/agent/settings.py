"""Environment settings of the agent console (defaults work with nothing configured)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

DEMO_SECRET = "demo-agent-console-secret"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    redis_url: str = field(default_factory=lambda: _env("REDIS_URL", "redis://127.0.0.1:6379/0"))
    rasa_url: str = field(default_factory=lambda: _env("RASA_URL", "http://127.0.0.1:5005").rstrip("/"))
    rasa_token: str = field(default_factory=lambda: _env("RASA_TOKEN", ""))
    claims_api_url: str = field(
        default_factory=lambda: _env("CLAIMS_API_URL", "http://127.0.0.1:8000").rstrip("/"))
    staff_api_token: str = field(default_factory=lambda: _env("STAFF_API_TOKEN", "demo-staff-token"))
    # Signs the console's session cookies; the demo value is refused in production.
    secret_key: str = field(default_factory=lambda: _env("WEBAPP_SECRET_KEY", DEMO_SECRET))
    session_hours: float = field(default_factory=lambda: float(_env("AGENT_SESSION_HOURS", "12")))
    app_env: str = field(default_factory=lambda: _env("APP_ENV", "development"))

    def __post_init__(self) -> None:
        if self.app_env == "production" and self.secret_key == DEMO_SECRET:
            raise RuntimeError("WEBAPP_SECRET_KEY must be set in production")


@lru_cache
def get_settings() -> Settings:
    return Settings()

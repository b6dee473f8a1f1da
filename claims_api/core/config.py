"""Settings of the Claims API, read from environment variables (pydantic-settings).

One `Settings` class, one cached instance; tests build their own `Settings(...)` and pass
it to `create_app(settings)` so nothing global has to be patched.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'var' / 'claims.db'}"
DEMO_BOT_TOKEN = "demo-bot-token"
DEMO_STAFF_TOKEN = "demo-staff-token"
DEMO_DATA_PATH = REPO_ROOT / "data" / "demo" / "demo_policies.json"


class Settings(BaseSettings):
    """Everything configurable; defaults work on a fresh machine with nothing set."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    APP_ENV: Literal["development", "test", "staging", "production"] = "development"
    DATABASE_URL: str = DEFAULT_DATABASE_URL
    REDIS_URL: str = "redis://127.0.0.1:6379/0"
    CLAIMS_API_TOKEN: str = DEMO_BOT_TOKEN
    STAFF_API_TOKEN: str = DEMO_STAFF_TOKEN
    CLAIMS_API_HOST: str = "127.0.0.1"
    CLAIMS_API_PORT: int = 8000
    LOAD_DEMO_DATA: bool = True
    DEMO_DATA_PATH: Path = DEMO_DATA_PATH
    # Redis stream every stage change is appended to (docs/architecture.md).
    NOTIFICATION_STREAM: str = "claims:notifications"
    # Verification lock-out of the status lookup: failures before locking, lock seconds.
    VERIFY_MAX_FAILURES: int = 5
    VERIFY_LOCK_SECONDS: int = 15 * 60
    LOG_LEVEL: str = "INFO"

    @model_validator(mode="after")
    def _refuse_demo_tokens_in_production(self) -> "Settings":
        """Demo tokens are public (README), so production must set real ones."""
        for name, demo in (
            ("CLAIMS_API_TOKEN", DEMO_BOT_TOKEN),
            ("STAFF_API_TOKEN", DEMO_STAFF_TOKEN),
        ):
            value = getattr(self, name)
            if not value or len(value) < 8:
                raise ValueError(f"{name} must be at least 8 characters long")
            if self.APP_ENV == "production" and value in (DEMO_BOT_TOKEN, DEMO_STAFF_TOKEN):
                raise ValueError(
                    f"{name} is the public demo default {demo!r}; set a secret token when "
                    "APP_ENV=production"
                )
        if self.CLAIMS_API_TOKEN == self.STAFF_API_TOKEN:
            raise ValueError("CLAIMS_API_TOKEN and STAFF_API_TOKEN must differ (scopes)")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()

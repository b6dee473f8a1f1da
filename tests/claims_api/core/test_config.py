"""Settings (claims_api/core/config.py): defaults, and demo tokens refused in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from claims_api.core.config import DEMO_BOT_TOKEN, DEMO_STAFF_TOKEN, REPO_ROOT, Settings


def test_settings_defaults_work_with_nothing_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("APP_ENV", "DATABASE_URL", "REDIS_URL", "CLAIMS_API_TOKEN", "STAFF_API_TOKEN",
                 "CLAIMS_API_PORT", "CLAIMS_API_HOST", "LOAD_DEMO_DATA"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.APP_ENV == "development"
    assert settings.DATABASE_URL == f"sqlite:///{REPO_ROOT / 'var' / 'claims.db'}"
    assert settings.REDIS_URL == "redis://127.0.0.1:6379/0"
    assert (settings.CLAIMS_API_TOKEN, settings.STAFF_API_TOKEN) == (DEMO_BOT_TOKEN, DEMO_STAFF_TOKEN)
    assert (settings.CLAIMS_API_HOST, settings.CLAIMS_API_PORT) == ("127.0.0.1", 8000)
    assert settings.LOAD_DEMO_DATA is True


def test_settings_read_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMS_API_PORT", "9123")
    monkeypatch.setenv("LOAD_DEMO_DATA", "false")
    settings = Settings()
    assert settings.CLAIMS_API_PORT == 9123 and settings.LOAD_DEMO_DATA is False


@pytest.mark.parametrize(
    "tokens",
    [
        {},
        {"CLAIMS_API_TOKEN": "a-real-secret-1"},
        {"STAFF_API_TOKEN": "a-real-secret-2"},
        {"CLAIMS_API_TOKEN": "a-real-secret-1", "STAFF_API_TOKEN": DEMO_BOT_TOKEN},
    ],
)
def test_settings_refuse_demo_tokens_in_production(tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAIMS_API_TOKEN", raising=False)
    monkeypatch.delenv("STAFF_API_TOKEN", raising=False)
    with pytest.raises(ValidationError, match="demo default"):
        Settings(APP_ENV="production", **tokens)


def test_settings_accept_real_tokens_in_production() -> None:
    settings = Settings(APP_ENV="production", CLAIMS_API_TOKEN="bot-secret-xyz", STAFF_API_TOKEN="staff-secret-xyz")
    assert settings.APP_ENV == "production"


def test_settings_accept_demo_tokens_outside_production() -> None:
    assert Settings(APP_ENV="development").CLAIMS_API_TOKEN == DEMO_BOT_TOKEN


def test_settings_refuse_same_token_for_both_scopes() -> None:
    with pytest.raises(ValidationError, match="must differ"):
        Settings(CLAIMS_API_TOKEN="same-token-1", STAFF_API_TOKEN="same-token-1")


def test_settings_refuse_short_tokens() -> None:
    with pytest.raises(ValidationError, match="at least 8"):
        Settings(CLAIMS_API_TOKEN="short")

"""WeChat settings: environment first, credentials.yml block as fallback."""
import pytest

from channels.wechat.config import DEFAULT_API_BASE, WeChatConfig, WeChatConfigError
from tests.channels import processes

ENV = ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE",
       "WECHAT_PASSIVE_BUDGET_SECONDS", "WECHAT_MAX_CONCURRENT")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def test_nothing_configured_still_loads() -> None:
    config = WeChatConfig.load(None)
    assert not config.configured and not config.safe_mode and not config.can_call_api
    assert config.api_base == DEFAULT_API_BASE
    assert config.passive_budget == 3.5


def test_environment_wins_over_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", "from-env")
    monkeypatch.setenv("WECHAT_API_BASE", "http://127.0.0.1:9/")
    config = WeChatConfig.load({"token": "from-file", "app_id": "wxfile", "app_secret": "s"})
    assert config.token == "from-env"
    assert config.app_id == "wxfile" and config.can_call_api
    assert config.api_base == "http://127.0.0.1:9"


def test_safe_mode_with_a_valid_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", "t")
    monkeypatch.setenv("WECHAT_APP_ID", "wx1")
    monkeypatch.setenv("WECHAT_AES_KEY", processes.WECHAT_AES_KEY)
    assert WeChatConfig.load().safe_mode


@pytest.mark.parametrize("key", ["short", processes.WECHAT_AES_KEY + "A", "!" * 43])
def test_malformed_aes_key_fails_fast(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("WECHAT_TOKEN", "t")
    monkeypatch.setenv("WECHAT_APP_ID", "wx1")
    monkeypatch.setenv("WECHAT_AES_KEY", key)
    with pytest.raises(WeChatConfigError, match="43-character"):
        WeChatConfig.load()


def test_passive_budget_must_leave_room_within_five_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECHAT_PASSIVE_BUDGET_SECONDS", "5")
    with pytest.raises(WeChatConfigError, match="between 0.5 and 4.5"):
        WeChatConfig.load()


def test_concurrency_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    assert WeChatConfig.load().max_concurrent == 2
    monkeypatch.setenv("WECHAT_MAX_CONCURRENT", "4")
    assert WeChatConfig.load().max_concurrent == 4
    monkeypatch.setenv("WECHAT_MAX_CONCURRENT", "0")
    with pytest.raises(WeChatConfigError, match="at least 1"):
        WeChatConfig.load()

"""WeChat settings: environment variables first, the credentials.yml block as fallback.

Rasa substitutes `${VAR}` in credentials.yml and fails when a variable is unset, so the
block does not reference the environment; the channel reads `WECHAT_*` itself. With no
`WECHAT_TOKEN` the channel still starts and answers 503 on its webhook (README).
"""
from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from typing import Any, Dict, Optional

from channels.settings import env_float, redis_url

DEFAULT_API_BASE = "https://api.weixin.qq.com"

# WeChat waits 5 s for an answer, then retries. Answers ready within this budget go back
# in the HTTP response (passive reply); the rest go out through the customer-service API.
DEFAULT_PASSIVE_BUDGET_SECONDS = 3.5
# How many pushes Rasa works on at once (the rest wait without holding the event loop).
DEFAULT_MAX_CONCURRENT = 2
# Requests whose signed timestamp is further than this from our clock are refused (replay).
DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300.0

_KEYS = {  # environment variable -> key in the credentials.yml block
    "WECHAT_TOKEN": "token",
    "WECHAT_APP_ID": "app_id",
    "WECHAT_APP_SECRET": "app_secret",
    "WECHAT_AES_KEY": "aes_key",
    "WECHAT_API_BASE": "api_base",
}


class WeChatConfigError(ValueError):
    """The configuration cannot work (for instance an EncodingAESKey of the wrong form)."""


@dataclass(frozen=True)
class WeChatConfig:
    token: Optional[str] = None
    app_id: Optional[str] = None
    app_secret: Optional[str] = None
    aes_key: Optional[str] = None
    api_base: str = DEFAULT_API_BASE
    passive_budget: float = DEFAULT_PASSIVE_BUDGET_SECONDS
    max_clock_skew: float = DEFAULT_MAX_CLOCK_SKEW_SECONDS
    max_concurrent: int = DEFAULT_MAX_CONCURRENT
    redis_url: str = ""

    @property
    def configured(self) -> bool:
        """Requests can be verified (the server token is known)."""
        return bool(self.token)

    @property
    def safe_mode(self) -> bool:
        return bool(self.aes_key)

    @property
    def can_call_api(self) -> bool:
        """The customer-service message and media APIs need the app id and secret."""
        return bool(self.app_id and self.app_secret)

    @classmethod
    def load(cls, credentials: Optional[Dict[str, Any]] = None) -> "WeChatConfig":
        block = credentials or {}

        def value(env_name: str) -> Optional[str]:
            raw = os.environ.get(env_name) or block.get(_KEYS[env_name])
            return str(raw).strip() or None if raw is not None else None

        config = cls(
            token=value("WECHAT_TOKEN"),
            app_id=value("WECHAT_APP_ID"),
            app_secret=value("WECHAT_APP_SECRET"),
            aes_key=value("WECHAT_AES_KEY"),
            api_base=(value("WECHAT_API_BASE") or DEFAULT_API_BASE).rstrip("/"),
            passive_budget=env_float("WECHAT_PASSIVE_BUDGET_SECONDS",
                                     float(block.get("passive_budget_seconds",
                                                     DEFAULT_PASSIVE_BUDGET_SECONDS))),
            max_clock_skew=env_float("WECHAT_MAX_CLOCK_SKEW_SECONDS",
                                     float(block.get("max_clock_skew_seconds",
                                                     DEFAULT_MAX_CLOCK_SKEW_SECONDS))),
            max_concurrent=int(env_float("WECHAT_MAX_CONCURRENT",
                                         float(block.get("max_concurrent", DEFAULT_MAX_CONCURRENT)))),
            redis_url=redis_url(),
        )
        config.validate()
        return config

    def validate(self) -> None:
        if self.aes_key is not None:
            if not self.token or not self.app_id:
                raise WeChatConfigError(
                    "WECHAT_AES_KEY (safe mode) needs WECHAT_TOKEN and WECHAT_APP_ID as well")
            try:
                key = base64.b64decode(self.aes_key + "=", validate=True)
            except (binascii.Error, ValueError):
                key = b""
            if len(self.aes_key) != 43 or len(key) != 32:
                raise WeChatConfigError(
                    "WECHAT_AES_KEY must be the 43-character EncodingAESKey from the "
                    "Official Account settings")
        if self.max_concurrent < 1:
            raise WeChatConfigError("WECHAT_MAX_CONCURRENT must be at least 1")
        if not (0.5 <= self.passive_budget <= 4.5):
            raise WeChatConfigError(
                "WECHAT_PASSIVE_BUDGET_SECONDS must be between 0.5 and 4.5 "
                "(WeChat gives up after 5 s)")

"""WeChat's server API as the channel uses it: customer-service messages and media.

Built on wechatpy's `WeChatClient` (HTTP, error codes → `WeChatClientException`) with the
API base from `WECHAT_API_BASE`, so a stand-in can play WeChat in tests, and the access
token from the shared Redis store. An invalid-token error refreshes the token once and
retries once. Synchronous (wechatpy uses requests): async callers use `asyncio.to_thread`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, Tuple

import redis
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from channels.wechat.config import WeChatConfig
from channels.wechat.token_store import AccessTokenStore

logger = logging.getLogger(__name__)

# invalid credential, invalid access token, access token expired
INVALID_TOKEN_CODES = {40001, 40014, 42001}
TIMEOUT_SECONDS = 10


@dataclass
class Media:
    content: bytes
    content_type: str
    filename: str


class WeChatApiNotConfigured(RuntimeError):
    pass


class WeChatApi:
    def __init__(self, config: WeChatConfig, redis_client: redis.Redis) -> None:
        if not config.can_call_api:
            raise WeChatApiNotConfigured(
                "WECHAT_APP_ID and WECHAT_APP_SECRET are needed to call WeChat's API")
        self.config = config
        self.wechat = WeChatClient(config.app_id, config.app_secret,
                                   timeout=TIMEOUT_SECONDS, auto_retry=False)
        self.wechat.API_BASE_URL = f"{config.api_base}/cgi-bin/"
        self.tokens = AccessTokenStore(redis_client, config.app_id, self._fetch_token)

    def _fetch_token(self) -> Tuple[str, int]:
        response = requests.get(
            f"{self.config.api_base}/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.config.app_id,
                    "secret": self.config.app_secret},
            timeout=TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        result = response.json()
        if result.get("errcode"):
            raise WeChatClientException(result["errcode"], result.get("errmsg"),
                                        client=self.wechat, response=response)
        return result["access_token"], int(result.get("expires_in", 7200))

    def _with_token(self, call: Callable[[str], Any]) -> Any:
        token = self.tokens.get()
        try:
            return call(token)
        except WeChatClientException as error:
            if error.errcode not in INVALID_TOKEN_CODES:
                raise
            logger.info("WeChat refused the access token (%s); refreshing once", error.errcode)
            return call(self.tokens.invalidate(token))

    def send_text(self, openid: str, text: str) -> Dict[str, Any]:
        """A customer-service text message (allowed within 48 h of the user's last message)."""
        data = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        return self._with_token(lambda token: self.wechat.post(
            "message/custom/send", params={"access_token": token}, data=data))

    def download_media(self, media_id: str) -> Media:
        """A temporary media file (an image the user sent), with its content type."""
        def call(token: str) -> Any:
            return self.wechat.get("media/get", params={"access_token": token, "media_id": media_id})

        result = self._with_token(call)
        if not isinstance(result, requests.Response):
            raise WeChatClientException(None, f"media/get answered {result!r}", client=self.wechat)
        content_type = result.headers.get("Content-Type", "application/octet-stream").split(";")[0]
        filename = _filename(result.headers.get("Content-Disposition", ""), media_id, content_type)
        return Media(content=result.content, content_type=content_type, filename=filename)


def _filename(disposition: str, media_id: str, content_type: str) -> str:
    for part in disposition.split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "filename" and value:
            return value.strip('"')
    extension = {"image/jpeg": ".jpg", "image/png": ".png"}.get(content_type, "")
    return f"wechat-{media_id[:24]}{extension}"

"""Request authenticity and safe mode: signature, timestamp freshness, AES.

Every request WeChat sends carries `signature = sha1(sort(token, timestamp, nonce))` in
the query; in safe mode (`encrypt_type=aes`) the body is encrypted and signed again with
`msg_signature`. wechatpy does the cryptography (`check_signature`, `WeChatCrypto`).
"""
from __future__ import annotations

import time
from typing import Mapping, Optional

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import check_signature

from channels.wechat.config import WeChatConfig


class RequestRejected(Exception):
    """The request is refused; `status` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class WeChatSecurity:
    def __init__(self, config: WeChatConfig) -> None:
        self.token = config.token or ""
        self.max_clock_skew = config.max_clock_skew
        self.crypto: Optional[WeChatCrypto] = (
            WeChatCrypto(config.token, config.aes_key, config.app_id) if config.safe_mode else None
        )

    def verify(self, args: Mapping[str, str], now: Optional[float] = None) -> None:
        """Signature and timestamp of the query string; raises RequestRejected(403)."""
        signature = args.get("signature", "")
        timestamp = args.get("timestamp", "")
        nonce = args.get("nonce", "")
        if not (signature and timestamp and nonce):
            raise RequestRejected(403, "signature, timestamp and nonce are required")
        try:
            check_signature(self.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            raise RequestRejected(403, "invalid signature") from None
        try:
            sent_at = int(timestamp)
        except ValueError:
            raise RequestRejected(403, "timestamp is not a number") from None
        now = time.time() if now is None else now
        if abs(now - sent_at) > self.max_clock_skew:
            raise RequestRejected(403, "stale timestamp")

    @staticmethod
    def is_encrypted(args: Mapping[str, str]) -> bool:
        return args.get("encrypt_type", "raw").lower() == "aes"

    def open(self, body: bytes, args: Mapping[str, str]) -> str:
        """The message XML: the body itself, or decrypted in safe mode."""
        if not self.is_encrypted(args):
            return body.decode("utf-8")
        if self.crypto is None:
            raise RequestRejected(400, "encrypted message but WECHAT_AES_KEY is not set")
        try:
            return self.crypto.decrypt_message(
                body, args.get("msg_signature", ""), args.get("timestamp", ""),
                args.get("nonce", ""))
        except InvalidSignatureException:
            raise RequestRejected(403, "invalid msg_signature") from None
        except InvalidAppIdException:
            raise RequestRejected(403, "message is for another app id") from None
        except Exception as error:  # noqa: BLE001 - malformed XML or ciphertext
            raise RequestRejected(400, f"cannot decrypt the message: {type(error).__name__}") from None

    def seal(self, reply_xml: str, args: Mapping[str, str]) -> str:
        """The passive reply as WeChat expects it: encrypted when the request was."""
        if not self.is_encrypted(args) or self.crypto is None:
            return reply_xml
        return self.crypto.encrypt_message(reply_xml, args.get("nonce", ""), str(int(time.time())))

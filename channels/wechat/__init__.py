"""WeChat Official Account channel: `channels.wechat.WeChatInput` in credentials.yml.

Modules, one job each: config (env + credentials), security (signature, timestamp,
AES), inbound (what each push means), dedupe (exactly once), render (limits, numbered
options), options (digit → payload), token_store (shared access token), client
(customer-service and media API), menu (custom menu), texts (channel-only texts),
channel (the Rasa input channel).

`WeChatInput` is imported lazily so that the outbound worker can use the other modules
without importing Rasa.
"""
from typing import Any

__all__ = ["WeChatInput"]


def __getattr__(name: str) -> Any:
    if name == "WeChatInput":
        from channels.wechat.channel import WeChatInput

        return WeChatInput
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

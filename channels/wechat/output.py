"""Pushes from Rasa to a WeChat user outside a passive reply.

Rasa asks the input channel for an output channel when something other than a user
message makes the bot speak: `POST /conversations/{id}/trigger_intent?output_channel=latest`
(the report outbox tells a customer their queued report is filed), reminders. Each
message goes out through the customer-service API, split within WeChat's limits, with
buttons as numbered options.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel

from channels.wechat.client import WeChatApi
from channels.wechat.options import OptionMemory
from channels.wechat.render import render

logger = logging.getLogger(__name__)


class WeChatOutput(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return "wechat"

    def __init__(self, api: Optional[WeChatApi], options: OptionMemory) -> None:
        self.api = api
        self.options = options

    async def _send(self, recipient_id: str, message: Dict[str, Any]) -> None:
        rendered = render([message])
        if rendered.options:
            await self.options.remember(recipient_id, rendered.options)
        if self.api is None:
            logger.error("WeChat message to %s not sent: WECHAT_APP_ID/WECHAT_APP_SECRET unset",
                         recipient_id)
            return
        for chunk in rendered.chunks:
            await asyncio.to_thread(self.api.send_text, recipient_id, chunk)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, {"text": text})

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: List[Dict[str, Any]], **kwargs: Any) -> None:
        await self._send(recipient_id, {"text": text, "buttons": buttons})

    async def send_quick_replies(self, recipient_id: str, text: str,
                                 quick_replies: List[Dict[str, Any]], **kwargs: Any) -> None:
        await self._send(recipient_id, {"text": text, "buttons": quick_replies})

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, {"image": image})

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, str):
            await self._send(recipient_id, {"text": attachment})

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any],
                               **kwargs: Any) -> None:
        await self._send(recipient_id, {"custom": json_message})

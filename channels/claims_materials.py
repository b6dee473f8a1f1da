"""Submits a customer's file as a claim material through the Claims API (bot scope).

`POST {CLAIMS_API_URL}/claims/{report_no}/materials` (multipart: file, conversation_id,
channel). The API checks size and type and that the claim was filed in this
conversation; its `message_zh` is relayed to the customer when it refuses.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Optional

import aiohttp

DEFAULT_CLAIMS_API_URL = "http://127.0.0.1:8000"
DEFAULT_BOT_TOKEN = "demo-bot-token"


@dataclass
class SubmitResult:
    ok: bool
    status: int
    body: Dict[str, Any]

    @property
    def message_zh(self) -> Optional[str]:
        return self.body.get("message_zh")


class ClaimMaterials:
    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None,
                 timeout: float = 30.0) -> None:
        self.base_url = (base_url or os.environ.get("CLAIMS_API_URL") or DEFAULT_CLAIMS_API_URL).rstrip("/")
        self.token = token or os.environ.get("CLAIMS_API_TOKEN") or DEFAULT_BOT_TOKEN
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def submit(self, *, report_no: str, conversation_id: str, channel: str,
                     filename: str, content: bytes, content_type: str) -> SubmitResult:
        form = aiohttp.FormData()
        form.add_field("conversation_id", conversation_id)
        form.add_field("channel", channel)
        form.add_field("file", content, filename=filename, content_type=content_type)
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.post(
                f"{self.base_url}/claims/{report_no}/materials", data=form,
                headers={"Authorization": f"Bearer {self.token}"},
            ) as response:
                try:
                    body = await response.json(content_type=None)
                except (aiohttp.ContentTypeError, ValueError):
                    body = {"detail": await response.text()}
                return SubmitResult(ok=response.status < 300, status=response.status,
                                    body=body if isinstance(body, dict) else {"data": body})

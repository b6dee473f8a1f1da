"""Material upload from the web chat: find the conversation's claim, forward the file.

The claim is the one filed in this conversation: the dialogue's `report_last_number` slot,
read from Rasa's tracker (`GET {RASA_URL}/conversations/{id}/tracker`). The Claims API
stores the file (its limits decide: JPEG/PNG/PDF, ≤ 10 MB) and checks the claim belongs
to the conversation. After a success the conversation gets a system note through the
outbound stream (`chat:outbound`), so it is also in the history after a reload.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional

import httpx
from redis import asyncio as aioredis

from webapp.chat import texts

# The Claims API's limit (claims_api/api/routes/materials_upload.py); checked here too so
# that an oversized file is refused before it is forwarded.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ACCEPT = "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# The dialogue's slot with the report filed in this conversation (domain/report.yml).
REPORT_NUMBER_SLOTS = ("report_last_number", "report_number")
OUTBOUND_STREAM = os.environ.get("CHAT_OUTBOUND_STREAM") or "chat:outbound"  # channels/settings.py
CHANNEL = "socketio"


def rasa_url() -> str:
    return (os.environ.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/")


def claims_api_url() -> str:
    return (os.environ.get("CLAIMS_API_URL") or "http://127.0.0.1:8000").rstrip("/")


def claims_api_token() -> str:
    return os.environ.get("CLAIMS_API_TOKEN") or "demo-bot-token"


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


@dataclass
class UploadOutcome:
    status: int
    body: Dict[str, Any]


class UploadRefused(Exception):
    def __init__(self, status: int, detail: str, message_zh: str) -> None:
        super().__init__(detail)
        self.status = status
        self.body = {"detail": detail, "message_zh": message_zh}


async def report_number_of(session_id: str) -> Optional[str]:
    """The report number the dialogue stored in this conversation, if any."""
    params = {"include_events": "NONE"}
    if os.environ.get("RASA_TOKEN"):
        params["token"] = os.environ["RASA_TOKEN"]
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(f"{rasa_url()}/conversations/{session_id}/tracker", params=params)
    if response.status_code != 200:
        raise UploadRefused(503, f"Rasa answered {response.status_code}", texts.UPLOAD_UNAVAILABLE)
    slots = response.json().get("slots") or {}
    value = next((slots[name] for name in REPORT_NUMBER_SLOTS if slots.get(name)), None)
    return str(value) if value else None


async def forward(session_id: str, filename: str, content: bytes, content_type: str) -> UploadOutcome:
    if not SESSION_ID.match(session_id or ""):
        raise UploadRefused(422, "invalid session id", texts.UPLOAD_BAD_SESSION)
    report_no = await report_number_of(session_id)
    if not report_no:
        raise UploadRefused(409, "no claim was filed in this conversation", texts.UPLOAD_NO_CLAIM)
    try:
        async with httpx.AsyncClient(timeout=60) as client:
            response = await client.post(
                f"{claims_api_url()}/claims/{report_no}/materials",
                headers={"Authorization": f"Bearer {claims_api_token()}"},
                data={"conversation_id": session_id, "channel": CHANNEL},
                files={"file": (filename, content, content_type)},
            )
    except httpx.HTTPError as error:
        raise UploadRefused(503, f"Claims API unreachable: {error}", texts.UPLOAD_UNAVAILABLE) from None
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if response.status_code >= 300:
        body.setdefault("message_zh", texts.UPLOAD_UNAVAILABLE)
        body.setdefault("detail", f"Claims API answered {response.status_code}")
        return UploadOutcome(response.status_code if response.status_code < 500 else 503, body)
    await announce(session_id, report_no, body)
    return UploadOutcome(201, body)


async def announce(session_id: str, report_no: str, stored: Dict[str, Any]) -> None:
    """A system note in the conversation (delivered by the outbound worker)."""
    client = aioredis.Redis.from_url(redis_url(), socket_timeout=2)
    try:
        await client.xadd(OUTBOUND_STREAM, {
            "conversation_id": session_id,
            "channel": CHANNEL,
            "kind": "system",
            "text": texts.UPLOAD_RECORDED.format(filename=stored.get("filename", ""), report_no=report_no),
            "dedupe_id": f"upload:{stored.get('file_id', '')}",
        })
    except Exception:  # noqa: BLE001 - the upload itself succeeded; the note is a courtesy
        pass
    finally:
        await client.aclose()

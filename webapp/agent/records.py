"""Keeps what happens in handoffs in the web app's database: reads `handoff:events` through
the consumer group `webapp-records` (one delivery across every web app instance; what
arrives while the web app is down waits in the stream) and writes the tables handoffs,
conversation_ratings and callback_requests (webapp/db.py). Each write is idempotent (unique
keys), and an entry is acknowledged only after its transaction committed.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import socket
from typing import Dict

import redis
from redis import asyncio as aioredis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.agent.queue import EVENTS
from webapp.db import CallbackRequest, ConversationRating, Handoff, new_session

logger = logging.getLogger(__name__)

GROUP = "webapp-records"
CLAIM_IDLE_MS = 60_000


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(value), dt.timezone.utc)


def _handoff(session, handoff_id: str, conversation_id: str) -> Handoff:
    row = session.scalar(select(Handoff).where(Handoff.handoff_id == handoff_id))
    if row is None:
        row = Handoff(handoff_id=handoff_id, conversation_id=conversation_id)
        session.add(row)
    return row


def apply(entry_id: str, fields: Dict[str, str]) -> None:
    """Writes one `handoff:events` entry (synchronous: run it in a worker thread)."""
    kind = fields.get("type")
    conversation_id = fields.get("conversation_id", "")
    handoff_id = fields.get("handoff_id") or ""
    data = json.loads(fields.get("data") or "{}")
    at = _time(fields.get("at") or "0")
    with new_session() as session:
        if kind == "queued" and handoff_id:
            row = _handoff(session, handoff_id, conversation_id)
            row.channel, row.reason = data.get("channel"), data.get("reason")
            row.summary, row.requested_at = data.get("summary"), at
        elif kind == "taken" and handoff_id:
            row = _handoff(session, handoff_id, conversation_id)
            row.agent_username, row.taken_at = data.get("agent"), at
        elif kind == "ended" and handoff_id:
            row = _handoff(session, handoff_id, conversation_id)
            row.ended_at, row.end_reason = at, data.get("reason")
            row.agent_username = row.agent_username or data.get("agent") or None
        elif kind == "rated":
            if session.scalar(select(ConversationRating).where(ConversationRating.event_id == entry_id)):
                return
            session.add(ConversationRating(
                event_id=entry_id, conversation_id=conversation_id, handoff_id=handoff_id or None,
                agent_username=data.get("agent"), channel=data.get("channel"),
                rating=int(data["rating"]), created_at=at))
            if handoff_id:
                _handoff(session, handoff_id, conversation_id).rating = int(data["rating"])
        elif kind == "callback":
            reference = data.get("reference")
            if not reference or session.scalar(
                    select(CallbackRequest).where(CallbackRequest.reference == reference)):
                return
            session.add(CallbackRequest(
                reference=reference, conversation_id=conversation_id, channel=data.get("channel"),
                phone=data.get("phone") or "", preferred_time=data.get("preferred_time") or "",
                reason=data.get("reason"), summary=data.get("summary"), created_at=at))
        else:
            return
        try:
            session.commit()
        except IntegrityError:  # another instance wrote it first
            session.rollback()


class RecordKeeper:
    def __init__(self, client: aioredis.Redis, consumer: str = "") -> None:
        self.client = client
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"

    async def ensure_group(self) -> None:
        try:
            await self.client.xgroup_create(EVENTS, GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def handle(self, entries) -> int:
        for entry_id, fields in entries:
            if fields is None:
                continue
            try:
                await asyncio.to_thread(apply, entry_id, fields)
            except Exception:  # noqa: BLE001 - left pending: claimed and retried later
                logger.exception("handoff event %s not recorded", entry_id)
                continue
            await self.client.xack(EVENTS, GROUP, entry_id)
        return len(entries)

    async def poll_once(self, block_ms: int = 2000) -> int:
        # Our own unacknowledged entries first (a crash between write and ack), then
        # entries another instance left behind, then new ones.
        mine = await self.client.xreadgroup(GROUP, self.consumer, {EVENTS: "0"}, count=50)
        handled = sum([await self.handle(items) for _, items in mine or []])
        claimed = await self.client.xautoclaim(EVENTS, GROUP, self.consumer,
                                               min_idle_time=CLAIM_IDLE_MS, count=50)
        handled += await self.handle(claimed[1])
        fresh = await self.client.xreadgroup(GROUP, self.consumer, {EVENTS: ">"}, count=50,
                                             block=block_ms)
        for _, items in fresh or []:
            handled += await self.handle(items)
        return handled

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.ensure_group()
                while not stop.is_set():
                    await self.poll_once()
            except (redis.ConnectionError, redis.TimeoutError) as error:
                logger.warning("Redis unavailable for handoff records (%s); retrying", error)
                await asyncio.sleep(1)

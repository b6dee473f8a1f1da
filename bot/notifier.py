"""Progress notices: `python -m bot.notifier`.

When staff move a claim to another stage, the Claims API appends a notification to the
Redis stream `claims:notifications` (fields notification_id, report_no, stage,
stage_label_zh, message_zh, channel, conversation_id, created_at). This worker reads it
through the consumer group `bot-notifier` and tells the customer on the channel they
reported through:

- `socketio` (web chat) and `wechat` → an entry of the stream `chat:outbound` (fields
  conversation_id, channel, text, kind=notice, dedupe_id), which channels/outbound.py
  delivers: a WeChat customer-service message, the open web-chat session, or kept in
  `chat:pending:<conversation>` until the page comes back;
- any other channel with a conversation (`rest`, …) → kept in
  `chat:pending:<conversation>` (the web chat's format) and shown by
  `action_session_start` at the start of the customer's next visit;
- no conversation (claims reported on the hotline) → nothing to send; acknowledged.

Each notice is handed on once: the hand-over, a done-marker and the acknowledgement are
one Redis transaction, and a notification the API published twice (it publishes at least
once) finds its marker. Entries a crashed worker left unacknowledged are claimed again.
The text is the response `utter_status_notice` (domain/status.yml) around the API's
message.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import redis
import yaml

from bot.config import get_settings
from channels.settings import OUTBOUND_STREAM, PENDING_PREFIX

logger = logging.getLogger("bot.notifier")

NOTIFICATION_STREAM = "claims:notifications"
GROUP = "bot-notifier"
DONE_PREFIX = "bot:notifier:done:"
DONE_SECONDS = 30 * 24 * 3600
PENDING_SECONDS = 30 * 24 * 3600  # as long as the web chat keeps its pending messages
OUTBOUND_CHANNELS = ("socketio", "wechat")
DOMAIN_FILE = Path(__file__).resolve().parent.parent / "domain" / "status.yml"
NOTICE_RESPONSE = "utter_status_notice"


@lru_cache(maxsize=1)
def notice_template(path: Path = DOMAIN_FILE) -> str:
    """The text of `utter_status_notice`, with a `{message}` placeholder."""
    with Path(path).open(encoding="utf-8") as handle:
        responses = yaml.safe_load(handle)["responses"]
    return responses[NOTICE_RESPONSE][0]["text"]


def notice_text(fields: Dict[str, str], template: Optional[str] = None) -> str:
    return (template or notice_template()).replace("{message}", fields.get("message_zh") or "")


def dedupe_id(fields: Dict[str, str]) -> str:
    """The notification's id, namespaced with its claim and time so that the ids of a
    database that was reset are never taken for notices already delivered."""
    return f"{fields.get('notification_id', '')}:{fields.get('report_no', '')}:{fields.get('created_at', '')}"


def route(fields: Dict[str, str]) -> Tuple[str, Optional[str]]:
    """("outbound", channel) / ("pending", channel) / ("none", None) for a notification."""
    conversation_id = (fields.get("conversation_id") or "").strip()
    channel = (fields.get("channel") or "").strip()
    if not conversation_id:
        return "none", None
    if channel in OUTBOUND_CHANNELS:
        return "outbound", channel
    return "pending", channel or None


class Notifier:
    def __init__(self, client: redis.Redis, *, stream: str = NOTIFICATION_STREAM, group: str = GROUP,
                 consumer: Optional[str] = None, block_ms: Optional[int] = 2000,
                 claim_idle_ms: int = 60_000, template: Optional[str] = None) -> None:
        self.redis = client
        self.stream = stream
        self.group = group
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.block_ms = block_ms
        self.claim_idle_ms = claim_idle_ms
        self.template = template or notice_template()
        self._recovered = False
        self._last_claim = 0.0

    def ensure_group(self) -> None:
        """From the start of the stream: notices published before the first start count."""
        try:
            self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def handle(self, entry_id: str, fields: Dict[str, str]) -> str:
        """Hand one notification on; returns what was done (outbound/pending/none/duplicate)."""
        done_key = DONE_PREFIX + dedupe_id(fields)
        if self.redis.exists(done_key):
            self.redis.xack(self.stream, self.group, entry_id)
            return "duplicate"
        how, channel = route(fields)
        text = notice_text(fields, self.template)
        conversation_id = (fields.get("conversation_id") or "").strip()
        pipe = self.redis.pipeline(transaction=True)
        if how == "outbound":
            pipe.xadd(OUTBOUND_STREAM, {
                "conversation_id": conversation_id, "channel": channel, "text": text,
                "kind": "notice", "dedupe_id": dedupe_id(fields)})
        elif how == "pending":
            key = PENDING_PREFIX + conversation_id
            pipe.rpush(key, json.dumps({"id": dedupe_id(fields), "text": text, "kind": "notice",
                                        "timestamp": time.time()}, ensure_ascii=False))
            pipe.expire(key, PENDING_SECONDS)
        else:
            logger.info("notice for %s (%s): no conversation to tell (channel %r)",
                        fields.get("report_no"), fields.get("stage"), fields.get("channel"))
        pipe.set(done_key, entry_id, ex=DONE_SECONDS)
        pipe.xack(self.stream, self.group, entry_id)
        pipe.execute()
        logger.info("notice %s for %s (%s) → %s %s", fields.get("notification_id"),
                    fields.get("report_no"), fields.get("stage"), how, channel or "")
        return how

    def _entries(self) -> List[Tuple[str, Dict[str, str]]]:
        entries: List[Tuple[str, Dict[str, str]]] = []
        if not self._recovered:  # ours, read before a crash and never acknowledged
            self._recovered = True
            for _stream, items in self.redis.xreadgroup(
                    self.group, self.consumer, {self.stream: "0"}, count=100) or []:
                entries.extend(items)
        if time.monotonic() - self._last_claim > self.claim_idle_ms / 2000:
            self._last_claim = time.monotonic()
            claimed = self.redis.xautoclaim(self.stream, self.group, self.consumer,
                                            min_idle_time=self.claim_idle_ms, count=50)
            entries.extend(claimed[1])
        for _stream, items in self.redis.xreadgroup(
                self.group, self.consumer, {self.stream: ">"}, count=50,
                block=self.block_ms or None) or []:
            entries.extend(items)
        for entry_id, fields in entries:
            if not fields:  # trimmed from the stream before it was read: nothing to send
                self.redis.xack(self.stream, self.group, entry_id)
        return [(entry_id, fields) for entry_id, fields in entries if fields]

    def poll_once(self) -> int:
        """Handle what is waiting (blocking up to block_ms for news); returns how many."""
        entries = self._entries()
        for entry_id, fields in entries:
            try:
                self.handle(entry_id, fields)
            except redis.RedisError:
                raise
            except Exception:  # noqa: BLE001 - a bad entry must not stop the others
                logger.exception("notification %s could not be handled; left for a retry", entry_id)
        return len(entries)

    def run(self, stop: threading.Event) -> None:
        logger.info("notifier %s reading %s", self.consumer, self.stream)
        while not stop.is_set():
            try:
                self.ensure_group()
                self.poll_once()
            except (redis.ConnectionError, redis.TimeoutError) as error:
                logger.warning("Redis unavailable (%s); retrying in 1 s", error)
                stop.wait(1)
            except redis.ResponseError as error:  # the stream was deleted: start it again
                if "NOGROUP" not in str(error) and "no longer exists" not in str(error):
                    raise
                logger.warning("consumer group gone (%s); creating it again", error)
                self._recovered = False


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.notifier",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--once", action="store_true", help="handle what is waiting, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    client = redis.Redis.from_url(get_settings().redis_url, decode_responses=True,
                                  socket_connect_timeout=2.0, socket_timeout=None)
    notifier = Notifier(client, block_ms=None if args.once else 2000)
    if args.once:
        notifier.ensure_group()
        notifier.poll_once()
        return
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    notifier.run(stop)


if __name__ == "__main__":
    main()

"""Outbox of claim reports that could not be filed because the Claims API was down or slow,
and the worker that files them once it is back (`python -m bot.outbox`).

Redis layout (prefix `bot` by default, BOT_REDIS_PREFIX):
- `bot:outbox:entries`  hash  idempotency key → JSON {idempotency_key, payload, sender_id,
                              queued_at, attempts, last_error}
- `bot:outbox:due`      zset  idempotency key → when to try next (epoch seconds). Taking an
                              entry pushes its time forward by a lease, so an entry whose
                              worker died is tried again later, never lost.
- `bot:outbox:dead`     list  entries the API refused (4xx), kept for staff.
- `bot:notices:{sender}` list notices for a customer ("your report is filed: BA…") not yet
                              delivered; the bot shows them with the customer's next message.

Every try files with the report's own idempotency key, so however often an entry is tried
(a timeout after the API already stored it, two workers, a crash) there is one report.
When a report is filed the worker tells the customer through Rasa's external events:
`POST {RASA_URL}/conversations/{sender}/trigger_intent?output_channel=latest` with the
intent `EXTERNAL_report_filed` and the report number as the `report_number` entity. If
Rasa only collected the reply (a channel that cannot push, such as REST) or could not be
reached, the notice stays pending for the customer's next message.
"""
from __future__ import annotations

import argparse
import json
import logging
import signal
import time
from typing import Any, Dict, List, Optional

import redis
import requests

from bot.claims_client import ClaimsApiError, ClaimsApiUnavailable, ClaimsClient
from bot.config import Settings, get_settings

logger = logging.getLogger("bot.outbox")

FILED_INTENT = "EXTERNAL_report_filed"
FAILED_INTENT = "EXTERNAL_report_failed"
LEASE_SECONDS = 120

# Take an entry if it is due: move its time forward by the lease (atomically).
_CLAIM = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  return 1
end
return 0
"""


def redis_client(settings: Optional[Settings] = None) -> "redis.Redis":
    settings = settings or get_settings()
    return redis.Redis.from_url(settings.redis_url, decode_responses=True,
                                socket_timeout=5, socket_connect_timeout=5)


class Outbox:
    def __init__(self, client: "redis.Redis", prefix: str = "bot") -> None:
        self.redis = client
        self.entries_key = f"{prefix}:outbox:entries"
        self.due_key = f"{prefix}:outbox:due"
        self.dead_key = f"{prefix}:outbox:dead"
        self._claim = client.register_script(_CLAIM)

    def enqueue(self, *, idempotency_key: str, payload: Dict[str, Any], sender_id: str,
                now: Optional[float] = None) -> bool:
        """Queue a report; False if this key is queued already (nothing changes)."""
        now = time.time() if now is None else now
        entry = {"idempotency_key": idempotency_key, "payload": payload, "sender_id": sender_id,
                 "queued_at": now, "attempts": 0, "last_error": None}
        added = self.redis.hsetnx(self.entries_key, idempotency_key,
                                  json.dumps(entry, ensure_ascii=False))
        if added:
            self.redis.zadd(self.due_key, {idempotency_key: now}, nx=True)
        return bool(added)

    def get(self, key: str) -> Optional[Dict[str, Any]]:
        raw = self.redis.hget(self.entries_key, key)
        return json.loads(raw) if raw else None

    def take_due(self, now: Optional[float] = None, limit: int = 20) -> List[Dict[str, Any]]:
        """Entries due now, each leased to this caller for LEASE_SECONDS."""
        now = time.time() if now is None else now
        taken = []
        for key in self.redis.zrangebyscore(self.due_key, "-inf", now, start=0, num=limit):
            if self._claim(keys=[self.due_key], args=[key, now, now + LEASE_SECONDS]):
                entry = self.get(key)
                if entry is None:  # finished by another worker meanwhile
                    self.redis.zrem(self.due_key, key)
                    continue
                taken.append(entry)
        return taken

    def retry_later(self, entry: Dict[str, Any], delay: float, error: str,
                    now: Optional[float] = None) -> None:
        now = time.time() if now is None else now
        entry = {**entry, "attempts": entry.get("attempts", 0) + 1, "last_error": error}
        self.redis.hset(self.entries_key, entry["idempotency_key"],
                        json.dumps(entry, ensure_ascii=False))
        self.redis.zadd(self.due_key, {entry["idempotency_key"]: now + delay})

    def done(self, entry: Dict[str, Any]) -> None:
        pipe = self.redis.pipeline()
        pipe.zrem(self.due_key, entry["idempotency_key"])
        pipe.hdel(self.entries_key, entry["idempotency_key"])
        pipe.execute()

    def dead(self, entry: Dict[str, Any], error: str) -> None:
        pipe = self.redis.pipeline()
        pipe.rpush(self.dead_key, json.dumps({**entry, "last_error": error}, ensure_ascii=False))
        pipe.zrem(self.due_key, entry["idempotency_key"])
        pipe.hdel(self.entries_key, entry["idempotency_key"])
        pipe.execute()

    def pending(self) -> int:
        return int(self.redis.zcard(self.due_key))


class Notices:
    """Messages for a customer that wait for their next message if they could not be pushed."""

    def __init__(self, client: "redis.Redis", prefix: str = "bot") -> None:
        self.redis = client
        self.prefix = prefix

    def _key(self, sender_id: str) -> str:
        return f"{self.prefix}:notices:{sender_id}"

    def push(self, sender_id: str, notice: Dict[str, Any]) -> None:
        self.redis.rpush(self._key(sender_id), json.dumps(notice, ensure_ascii=False, sort_keys=True))

    def peek(self, sender_id: str) -> List[Dict[str, Any]]:
        return [json.loads(n) for n in self.redis.lrange(self._key(sender_id), 0, -1)]

    def remove(self, sender_id: str, notice: Dict[str, Any]) -> None:
        self.redis.lrem(self._key(sender_id), 0, json.dumps(notice, ensure_ascii=False, sort_keys=True))

    def pop_all(self, sender_id: str) -> List[Dict[str, Any]]:
        pipe = self.redis.pipeline()
        pipe.lrange(self._key(sender_id), 0, -1)
        pipe.delete(self._key(sender_id))
        raw, _ = pipe.execute()
        return [json.loads(n) for n in raw]


def filed_notice(filed: Dict[str, Any]) -> Dict[str, Any]:
    return {"kind": "filed", "report_no": filed["report_no"],
            "next_steps": filed.get("next_steps_zh") or [], "materials": filed.get("materials") or {}}


def failed_notice(error: ClaimsApiError) -> Dict[str, Any]:
    return {"kind": "failed", "report_no": None, "message_zh": error.message_zh}


class OutboxWorker:
    def __init__(self, settings: Optional[Settings] = None, *, client: Optional[ClaimsClient] = None,
                 redis_conn: Optional["redis.Redis"] = None,
                 http: Optional[requests.Session] = None) -> None:
        self.settings = settings or get_settings()
        self.claims = client or ClaimsClient(settings=self.settings)
        conn = redis_conn or redis_client(self.settings)
        self.outbox = Outbox(conn, self.settings.redis_prefix)
        self.notices = Notices(conn, self.settings.redis_prefix)
        self.http = http or requests.Session()
        self._stop = False

    def backoff(self, attempts: int) -> float:
        return min(self.settings.outbox_backoff_seconds * 2 ** attempts,
                   self.settings.outbox_backoff_max_seconds)

    def run_once(self, now: Optional[float] = None) -> int:
        """Try every due entry once; returns how many were filed (or finally refused)."""
        finished = 0
        for entry in self.outbox.take_due(now):
            key = entry["idempotency_key"]
            try:
                filed, created = self.claims.file_claim(entry["payload"], key)
            except ClaimsApiUnavailable as exc:
                delay = self.backoff(entry.get("attempts", 0))
                logger.warning("outbox: Claims API unavailable (%s); retry %s in %.0fs", exc, key[:12], delay)
                self.outbox.retry_later(entry, delay, str(exc), now)
                continue
            except ClaimsApiError as exc:
                logger.error("outbox: Claims API refused %s: %s", key[:12], exc)
                self.outbox.dead(entry, str(exc))
                self.notify(entry["sender_id"], failed_notice(exc), FAILED_INTENT)
                finished += 1
                continue
            logger.info("outbox: filed %s as %s (%s)", key[:12], filed.get("report_no"),
                        "new" if created else "already filed")
            self.outbox.done(entry)
            self.notify(entry["sender_id"], filed_notice(filed), FILED_INTENT)
            finished += 1
        return finished

    def notify(self, sender_id: str, notice: Dict[str, Any], intent: str) -> bool:
        """Keep the notice for the next message, then try to push it now. True if pushed."""
        self.notices.push(sender_id, notice)
        entities = {"report_number": notice["report_no"]} if notice.get("report_no") else {}
        headers = {}
        params = {"output_channel": "latest"}
        if self.settings.rasa_token:
            params["token"] = self.settings.rasa_token
        try:
            response = self.http.post(
                f"{self.settings.rasa_url.rstrip('/')}/conversations/{sender_id}/trigger_intent",
                params=params, json={"name": intent, "entities": entities},
                headers=headers, timeout=30,
            )
        except requests.RequestException as exc:
            logger.warning("outbox: could not reach Rasa to tell %s (%s); kept for later", sender_id, exc)
            return False
        if response.status_code != 200:
            logger.warning("outbox: Rasa answered %s to trigger_intent; notice kept", response.status_code)
            return False
        try:
            collected = "messages" in response.json()
        except ValueError:
            collected = True
        if collected:  # the channel cannot push: the customer sees it with their next message
            return False
        self.notices.remove(sender_id, notice)
        return True

    def stop(self, *_: Any) -> None:
        self._stop = True

    def run_forever(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        logger.info("outbox worker started (Claims API %s, Rasa %s)", self.settings.claims_api_url,
                    self.settings.rasa_url)
        while not self._stop:
            try:
                self.run_once()
            except redis.RedisError as exc:
                logger.warning("outbox: Redis unavailable (%s)", exc)
            slept = 0.0
            while slept < self.settings.outbox_poll_seconds and not self._stop:
                time.sleep(0.2)
                slept += 0.2


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="File claim reports queued while the Claims API was down.")
    parser.add_argument("--once", action="store_true", help="try the due entries once and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = OutboxWorker()
    if args.once:
        worker.run_once()
    else:
        worker.run_forever()


if __name__ == "__main__":
    main()

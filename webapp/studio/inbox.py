"""The review inbox, fed from Rasa's own event stream (`rasa:events`, bot/event_broker.py).

`collect()` reads the stream from the last id it stored (Redis key `studio:inbox:last_id`,
so every web app instance and the CLI continue where any of them stopped; a Redis lock
keeps two collectors from reading the same entries) and files a message when:

| reason | rule |
|---|---|
| fallback | the NLU predicted `nlu_fallback`, or the bot ran `action_default_fallback` after it |
| low_confidence | intent confidence < STUDIO_CONFIDENCE_THRESHOLD (default 0.6) |
| handoff | the intent was `request_human`, or an action whose name contains "handoff" ran after it |
| low_rating | the conversation's `satisfaction_rating` slot was set to 1 or 2 (each of its recent messages) |

Messages are deduplicated on their normalised text (NFKC, lower case, no spaces or
punctuation); a repeat adds its reason and counts. The last turns of the conversation are
stored with the item (the context one click away). Masking happens when shown.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.studio.db import InboxItem, utcnow
from webapp.studio.settings import get_settings

LAST_ID_KEY = "studio:inbox:last_id"
LOCK_KEY = "studio:inbox:lock"
RECENT_PREFIX = "studio:inbox:recent:"  # per conversation: the last turns (JSON)
RECENT_TURNS = 12
RECENT_TTL = 7 * 24 * 3600
BATCH = 500
FALLBACK_INTENTS = {"nlu_fallback"}
FALLBACK_ACTIONS = {"action_default_fallback"}
HANDOFF_INTENTS = {"request_human"}
RATING_SLOTS = {"satisfaction_rating", "rating"}
LOW_RATINGS = {"1", "2"}
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).lower())[:500]


@dataclass
class Flag:
    conversation_id: str
    text: str
    reason: str
    intent: Optional[str]
    confidence: Optional[float]
    context: List[dict]


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis_url, decode_responses=True,
                                socket_timeout=5, socket_connect_timeout=2)


def _is_user_text(text: str) -> bool:
    # `/intent{...}` payloads come from buttons, not from what the customer typed.
    return bool(text.strip()) and not text.strip().startswith("/")


class Collector:
    """Turns stream entries into flags. Per-conversation recent turns live in Redis, so a
    fallback action read in a later batch still finds the message it answered."""

    def __init__(self, client: redis.Redis, threshold: float) -> None:
        self.client = client
        self.threshold = threshold

    def _recent(self, sender: str) -> List[dict]:
        return [json.loads(x) for x in self.client.lrange(RECENT_PREFIX + sender, 0, -1)]

    def _push(self, sender: str, turn: dict) -> None:
        key = RECENT_PREFIX + sender
        pipe = self.client.pipeline()
        pipe.rpush(key, json.dumps(turn, ensure_ascii=False))
        pipe.ltrim(key, -RECENT_TURNS, -1)
        pipe.expire(key, RECENT_TTL)
        pipe.execute()

    def _last_user(self, sender: str) -> Tuple[Optional[dict], List[dict]]:
        recent = self._recent(sender)
        for turn in reversed(recent):
            if turn["who"] == "user":
                return turn, recent
        return None, recent

    def flags_for(self, fields: Dict[str, str]) -> List[Flag]:
        sender = fields.get("sender_id", "")
        try:
            event = json.loads(fields.get("data") or "{}")
        except ValueError:
            return []
        kind = event.get("event") or fields.get("event")
        if kind == "user":
            return self._user(sender, event)
        if kind == "bot" and event.get("text"):
            self._push(sender, {"who": "bot", "text": event["text"]})
        elif kind == "action":
            return self._action(sender, event.get("name") or "")
        elif kind == "slot" and event.get("name") in RATING_SLOTS:
            if str(event.get("value")).strip() in LOW_RATINGS:
                recent = self._recent(sender)
                return [Flag(sender, t["text"], "low_rating", t.get("intent"), t.get("confidence"),
                             recent) for t in recent if t["who"] == "user"]
        return []

    def _user(self, sender: str, event: dict) -> List[Flag]:
        text = event.get("text") or ""
        if not _is_user_text(text):
            return []
        intent = (event.get("parse_data") or {}).get("intent") or {}
        name, confidence = intent.get("name"), intent.get("confidence")
        # nlu_fallback replaces the intent; the ranking keeps what the classifier thought.
        ranking = (event.get("parse_data") or {}).get("intent_ranking") or []
        if name in FALLBACK_INTENTS and len(ranking) > 1:
            name_for_item, conf_for_item = ranking[1].get("name"), ranking[1].get("confidence")
        else:
            name_for_item, conf_for_item = name, confidence
        turn = {"who": "user", "text": text, "intent": name_for_item, "confidence": conf_for_item}
        self._push(sender, turn)
        recent = self._recent(sender)
        reasons = []
        if name in FALLBACK_INTENTS:
            reasons.append("fallback")
        if confidence is not None and float(confidence) < self.threshold:
            reasons.append("low_confidence")
        if name in HANDOFF_INTENTS:
            reasons.append("handoff")
        return [Flag(sender, text, r, name_for_item, conf_for_item, recent) for r in reasons]

    def _action(self, sender: str, name: str) -> List[Flag]:
        if name in FALLBACK_ACTIONS:
            reason = "fallback"
        elif "handoff" in name and name not in ("action_decline_handoff", "action_handoff_resume"):
            reason = "handoff"
        else:
            return []
        turn, recent = self._last_user(sender)
        if not turn:
            return []
        return [Flag(sender, turn["text"], reason, turn.get("intent"), turn.get("confidence"), recent)]


def file_flag(session: Session, flag: Flag) -> InboxItem:
    norm = normalise(flag.text)
    item = session.scalar(select(InboxItem).where(InboxItem.norm_text == norm))
    context = json.dumps(flag.context, ensure_ascii=False)
    if item is None:
        item = InboxItem(norm_text=norm, text=flag.text, reasons=flag.reason,
                         predicted_intent=flag.intent, confidence=flag.confidence,
                         conversation_id=flag.conversation_id, context=context)
        session.add(item)
        session.flush()
        return item
    reasons = set(filter(None, item.reasons.split(","))) | {flag.reason}
    if item.conversation_id != flag.conversation_id:
        item.occurrences += 1  # counted once per conversation it came up in
    item.reasons = ",".join(sorted(reasons))
    item.conversation_id, item.context, item.last_seen = flag.conversation_id, context, utcnow()
    if item.status == "dismissed":
        item.status = "open"  # it keeps happening: look again
    return item


def collect(session: Session, client: Optional[redis.Redis] = None, max_batches: int = 50) -> int:
    """Read the new stream entries and file their flags; returns the number of flags."""
    settings = get_settings()
    client = client or redis_client()
    lock = client.lock(LOCK_KEY, timeout=120, blocking_timeout=30)
    if not lock.acquire():
        return 0
    try:
        collector = Collector(client, settings.confidence_threshold)
        filed = 0
        for _ in range(max_batches):
            last_id = client.get(LAST_ID_KEY) or "0-0"
            entries = client.xrange(settings.stream, min=f"({last_id}", count=BATCH)
            if not entries:
                break
            for entry_id, fields in entries:
                for flag in collector.flags_for(fields):
                    file_flag(session, flag)
                    filed += 1
                last_id = entry_id
            session.commit()
            client.set(LAST_ID_KEY, last_id)
        return filed
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            pass


def list_items(session: Session, status: str = "open", limit: int = 200) -> List[InboxItem]:
    query = select(InboxItem).where(InboxItem.status == status).order_by(
        InboxItem.last_seen.desc()).limit(limit)
    return list(session.scalars(query))


def context_of(item: InboxItem) -> List[dict]:
    try:
        return json.loads(item.context or "[]")
    except ValueError:
        return []


def resolve(session: Session, item: InboxItem, *, status: str, resolution: Optional[str],
            username: str) -> None:
    item.status, item.resolution, item.resolved_by = status, resolution, username
    session.commit()


def reasons_of(items: Iterable[InboxItem]) -> Dict[int, List[str]]:
    return {item.id: item.reasons.split(",") for item in items}

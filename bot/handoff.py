"""Handoff to human agents, the bot's side: working hours, the queue, ratings, callbacks.

State lives in Redis, in the layout of docs/architecture.md ("Handoff"), which the web
app's agent console (webapp/agent/queue.py, another environment) reads and writes too:

- `handoff:queue`                    ZSET  conversation id → time it joined the queue
- `handoff:session:<conversation>`   HASH  handoff_id, state (waiting|active|ended),
                                           channel, reason, summary, requested_at,
                                           agent, agent_name, taken_at, ended_at, rating
- `handoff:agents:online`            ZSET  agent username → last heartbeat (epoch s)
- `handoff:events`                   STREAM type (queued|taken|ended|rated|callback|
                                           released), conversation_id, handoff_id, at,
                                           data (JSON)
- `handoff:callback:seq:<yyyymmdd>`  STRING the day's callback sequence number

No Rasa imports: plain functions over a redis client, used by actions/handoff.py.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Optional

SHANGHAI = dt.timezone(dt.timedelta(hours=8))

QUEUE = "handoff:queue"
SESSION_PREFIX = "handoff:session:"
AGENTS_ONLINE = "handoff:agents:online"
EVENTS = "handoff:events"
CALLBACK_SEQ_PREFIX = "handoff:callback:seq:"
EVENTS_MAXLEN = 100_000

WAITING, ACTIVE, ENDED = "waiting", "active", "ended"
REASONS = ("request", "fallback", "anger", "complaint", "death", "dispute")
DEFAULT_HOURS = "08:00-22:00"
DEFAULT_DAYS = "1-7"
DEFAULT_AVERAGE_MINUTES = 4.0
AGENT_FRESH_SECONDS = 90  # an agent whose console beat less than this ago is online
WEEKDAYS_ZH = "一二三四五六日"


def session_key(conversation_id: str) -> str:
    return SESSION_PREFIX + conversation_id


# --- working hours -------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkingHours:
    """When human agents answer: a daily window (Asia/Shanghai) on some weekdays (1 = Monday)."""

    start: dt.time
    end: dt.time
    days: FrozenSet[int]

    @classmethod
    def parse(cls, hours: str = DEFAULT_HOURS, days: str = DEFAULT_DAYS) -> "WorkingHours":
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", hours or "")
        if not match:
            raise ValueError(f"HANDOFF_HOURS must look like 09:00-21:00, not {hours!r}")
        h1, m1, h2, m2 = (int(x) for x in match.groups())
        start = dt.time(h1, m1)
        end = dt.time(0, 0) if (h2, m2) == (24, 0) else dt.time(h2, m2)
        chosen = set()
        for part in (days or DEFAULT_DAYS).replace("，", ",").split(","):
            part = part.strip()
            if not part:
                continue
            low, _, high = part.partition("-")
            first, last = int(low), int(high or low)
            if not 1 <= first <= last <= 7:
                raise ValueError(f"HANDOFF_DAYS must use weekdays 1-7 (1 = Monday), not {days!r}")
            chosen.update(range(first, last + 1))
        if not chosen:
            raise ValueError("HANDOFF_DAYS names no weekday")
        return cls(start, end, frozenset(chosen))

    @classmethod
    def from_env(cls) -> "WorkingHours":
        return cls.parse(os.environ.get("HANDOFF_HOURS") or DEFAULT_HOURS,
                         os.environ.get("HANDOFF_DAYS") or DEFAULT_DAYS)

    def _window(self, day: dt.date) -> "tuple[dt.datetime, dt.datetime]":
        opening = dt.datetime.combine(day, self.start, SHANGHAI)
        closing = dt.datetime.combine(day, self.end, SHANGHAI)
        if closing <= opening:  # ends at midnight or later
            closing += dt.timedelta(days=1)
        return opening, closing

    def is_open(self, now: dt.datetime) -> bool:
        local = now.astimezone(SHANGHAI)
        for day in (local.date() - dt.timedelta(days=1), local.date()):
            opening, closing = self._window(day)
            if day.isoweekday() in self.days and opening <= local < closing:
                return True
        return False

    def next_opening(self, now: dt.datetime) -> dt.datetime:
        local = now.astimezone(SHANGHAI)
        for offset in range(0, 8):
            day = local.date() + dt.timedelta(days=offset)
            opening, _ = self._window(day)
            if day.isoweekday() in self.days and opening > local:
                return opening
        raise ValueError("no opening within a week")  # pragma: no cover - days is never empty

    def describe(self) -> str:
        """E.g. 每天 08:00-22:00 / 周一至周五 09:00-18:00."""
        window = f"{self.start:%H:%M}-{'24:00' if self.end == dt.time(0) else f'{self.end:%H:%M}'}"
        days = sorted(self.days)
        if len(days) == 7:
            label = "每天"
        elif len(days) > 1 and days == list(range(days[0], days[-1] + 1)):
            label = f"周{WEEKDAYS_ZH[days[0] - 1]}至周{WEEKDAYS_ZH[days[-1] - 1]}"
        else:
            label = "每周" + "、".join(WEEKDAYS_ZH[d - 1] for d in days)
        return f"{label} {window}"


def describe_opening(opening: dt.datetime, now: dt.datetime) -> str:
    """今天 18:00 / 明天 08:00 / 11月24日 08:00."""
    days = (opening.astimezone(SHANGHAI).date() - now.astimezone(SHANGHAI).date()).days
    prefix = {0: "今天", 1: "明天", 2: "后天"}.get(days, f"{opening.month}月{opening.day}日")
    return f"{prefix} {opening:%H:%M}"


# --- the queue -----------------------------------------------------------------------------

# Joins the queue unless the conversation is already waiting or with an agent.
# KEYS: session, queue, events; ARGV: conversation, handoff_id, channel, reason, summary,
# now, maxlen. Returns {created (0/1), handoff_id}.
_ENQUEUE = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'waiting' or state == 'active' then
  return {0, redis.call('HGET', KEYS[1], 'handoff_id') or ''}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'handoff_id', ARGV[2], 'conversation_id', ARGV[1], 'state', 'waiting',
           'channel', ARGV[3], 'reason', ARGV[4], 'summary', ARGV[5], 'requested_at', ARGV[6])
-- Scores are join times; two requests in the same millisecond would tie and sort by id,
-- so a later arrival is placed just after the newest one to keep first-come, first-served.
local joined = tonumber(ARGV[6])
local newest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) >= joined then joined = tonumber(newest[2]) + 0.001 end
redis.call('ZADD', KEYS[2], string.format('%.3f', joined), ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'type', 'queued',
           'conversation_id', ARGV[1], 'handoff_id', ARGV[2], 'at', ARGV[6],
           'data', cjson.encode({channel = ARGV[3], reason = ARGV[4], summary = ARGV[5]}))
return {1, ARGV[2]}
"""


@dataclass(frozen=True)
class Ticket:
    handoff_id: str
    state: str           # waiting or active
    position: int        # 1 = next; 0 when an agent already has the conversation
    wait_minutes: int
    created: bool        # False: the conversation was already queued or with an agent


def average_minutes() -> float:
    try:
        return max(0.5, float(os.environ.get("HANDOFF_AVG_MINUTES") or DEFAULT_AVERAGE_MINUTES))
    except ValueError:
        return DEFAULT_AVERAGE_MINUTES


def agents_online(client: Any, now: Optional[float] = None) -> int:
    now = time.time() if now is None else now
    return int(client.zcount(AGENTS_ONLINE, now - AGENT_FRESH_SECONDS, "+inf"))


def expected_wait_minutes(position: int, agents: int, average: float) -> int:
    """Rounded up; each online agent (at least one is assumed) works the queue in turn."""
    return max(1, math.ceil(position * average / max(1, agents)))


def request(client: Any, conversation_id: str, channel: str, reason: str, summary: str = "",
            now: Optional[float] = None) -> Ticket:
    """Puts the conversation in the queue (once) and says where it stands."""
    now = time.time() if now is None else now
    created, handoff_id = client.eval(
        _ENQUEUE, 3, session_key(conversation_id), QUEUE, EVENTS,
        conversation_id, uuid.uuid4().hex, channel or "", reason, (summary or "")[:200],
        f"{now:.3f}", EVENTS_MAXLEN)
    handoff_id = handoff_id.decode() if isinstance(handoff_id, bytes) else handoff_id
    rank = client.zrank(QUEUE, conversation_id)
    if rank is None:  # an agent took it already
        return Ticket(handoff_id, ACTIVE, 0, 0, bool(created))
    position = int(rank) + 1
    wait = expected_wait_minutes(position, agents_online(client, now), average_minutes())
    return Ticket(handoff_id, WAITING, position, wait, bool(created))


def session(client: Any, conversation_id: str) -> Dict[str, str]:
    raw = client.hgetall(session_key(conversation_id))
    return {(k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in raw.items()}


def publish(client: Any, kind: str, conversation_id: str, handoff_id: str = "",
            now: Optional[float] = None, **data: Any) -> None:
    now = time.time() if now is None else now
    client.xadd(EVENTS, {"type": kind, "conversation_id": conversation_id,
                         "handoff_id": handoff_id or "", "at": f"{now:.3f}",
                         "data": json.dumps(data, ensure_ascii=False)},
                maxlen=EVENTS_MAXLEN, approximate=True)


def record_rating(client: Any, conversation_id: str, rating: int,
                  now: Optional[float] = None) -> Dict[str, str]:
    """The customer's 1-5 rating of the handoff that just ended; the web app stores it in
    its database (table conversation_ratings) from the `rated` event."""
    if not 1 <= int(rating) <= 5:
        raise ValueError(f"a rating is 1-5, not {rating!r}")
    current = session(client, conversation_id)
    client.hset(session_key(conversation_id), "rating", str(int(rating)))
    publish(client, "rated", conversation_id, current.get("handoff_id", ""), now,
            rating=int(rating), agent=current.get("agent") or None,
            channel=current.get("channel") or None)
    return current


def record_callback(client: Any, conversation_id: str, channel: str, phone: str,
                    preferred_time: str, reason: str, summary: str = "",
                    now: Optional[float] = None) -> str:
    """A callback request left outside working hours; returns its reference (HD + date +
    4 digits). The web app stores it (table callback_requests) from the `callback` event."""
    now = time.time() if now is None else now
    day = dt.datetime.fromtimestamp(now, SHANGHAI).strftime("%Y%m%d")
    key = CALLBACK_SEQ_PREFIX + day
    number = client.incr(key)
    client.expire(key, 3 * 24 * 3600)
    reference = f"HD{day}{int(number):04d}"
    publish(client, "callback", conversation_id, "", now, reference=reference, channel=channel,
            phone=phone, preferred_time=preferred_time, reason=reason, summary=(summary or "")[:200])
    return reference

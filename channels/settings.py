"""Environment settings shared by the channels and the outbound worker (no Rasa imports)."""
from __future__ import annotations

import os

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

# Redis names shared with other services (docs/channels.md lists them all).
# CHAT_OUTBOUND_STREAM renames the stream for every process of one stack (tests running
# side by side on one Redis database use it); producers and the worker must agree.
OUTBOUND_STREAM = os.environ.get("CHAT_OUTBOUND_STREAM") or "chat:outbound"
OUTBOUND_GROUP = "chat-outbound-delivery"
PENDING_PREFIX = "chat:pending:"     # + conversation id: messages waiting for a reconnect
HISTORY_PREFIX = "chat:history:"     # + conversation id: delivered outbound messages
ONLINE_PREFIX = "chat:online:"       # + conversation id: socket ids currently connected


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def socketio_redis_channel() -> str:
    """The pub/sub channel python-socketio's Redis manager uses (its default: "socketio").

    Every process that emits to the web chat (Rasa instances, the outbound worker, the
    agent console) must use the same name."""
    return os.environ.get("SOCKETIO_REDIS_CHANNEL") or "socketio"


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default

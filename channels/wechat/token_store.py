"""The access token, cached in Redis and shared by every process.

WeChat hands out one valid access token per app at a time (7200 s); each fetch replaces
the previous one, so processes must not fetch on their own. One process refreshes under a
Redis lock, the others wait for the new value. The cached token expires `margin` seconds
before WeChat's expiry, so it is refreshed before it goes stale; on an invalid-token error
the caller invalidates exactly the token it used (compare-and-delete) and fetches once.
Synchronous: wechatpy's client is, and it runs in a worker thread.
"""
from __future__ import annotations

import logging
import time
import uuid
from typing import Callable, Optional, Tuple

import redis

logger = logging.getLogger(__name__)

PREFIX = "wechat:access_token:"
REFRESH_MARGIN_SECONDS = 300
LOCK_SECONDS = 10.0

# Deletes the key only when it still holds the token that failed.
_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RELEASE_LOCK = _DELETE_IF_EQUAL

Fetcher = Callable[[], Tuple[str, int]]  # → (token, expires_in seconds)


class AccessTokenStore:
    def __init__(self, client: redis.Redis, app_id: str, fetch: Fetcher,
                 margin: int = REFRESH_MARGIN_SECONDS, lock_seconds: float = LOCK_SECONDS) -> None:
        self.client = client
        self.key = PREFIX + app_id
        self.lock_key = self.key + ":lock"
        self.fetch = fetch
        self.margin = margin
        self.lock_seconds = lock_seconds

    def get(self) -> str:
        token = self._cached()
        return token if token else self._refresh()

    def invalidate(self, bad_token: str) -> str:
        """WeChat refused `bad_token`: drop it (unless another process already replaced
        it) and return a valid one."""
        self.client.eval(_DELETE_IF_EQUAL, 1, self.key, bad_token)
        return self.get()

    def _cached(self) -> Optional[str]:
        value = self.client.get(self.key)
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else value

    def _refresh(self) -> str:
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + self.lock_seconds
        while True:
            if self.client.set(self.lock_key, owner, nx=True, px=int(self.lock_seconds * 1000)):
                try:
                    token = self._cached()  # refreshed while we waited for the lock
                    if token:
                        return token
                    token, expires_in = self.fetch()
                    ttl = max(60, int(expires_in) - self.margin)
                    self.client.set(self.key, token, ex=ttl)
                    logger.info("WeChat access token refreshed (cached for %s s)", ttl)
                    return token
                finally:
                    self.client.eval(_RELEASE_LOCK, 1, self.lock_key, owner)
            time.sleep(0.05)
            token = self._cached()
            if token:
                return token
            if time.monotonic() > deadline:
                raise TimeoutError("another process holds the access-token lock too long")

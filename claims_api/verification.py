"""Lock-out of the status lookup after repeated failed verifications (Redis).

Five failures for one number (report or policy number) lock it for 15 minutes; a success
resets the count. Unknown numbers count like wrong answers, so numbers cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

KEY_PREFIX = "claims:verify-fail:"


@dataclass
class VerificationGuard:
    client: redis.Redis
    max_failures: int = 5
    lock_seconds: int = 15 * 60

    @staticmethod
    def key(number: str) -> str:
        return f"{KEY_PREFIX}{number}"

    def locked_for(self, number: str) -> int | None:
        """Seconds left on the lock, or None when the number is not locked."""
        key = self.key(number)
        pipe = self.client.pipeline()
        pipe.get(key)
        pipe.ttl(key)
        count, ttl = pipe.execute()
        if count is not None and int(count) >= self.max_failures:
            return max(int(ttl), 1)
        return None

    def record_failure(self, number: str) -> int | None:
        """Count a failure; returns the lock's seconds when this failure locks the number."""
        key = self.key(number)
        count = int(self.client.incr(key))
        if count == 1 or count >= self.max_failures:
            # The window starts at the first failure; the lock runs from the last one.
            self.client.expire(key, self.lock_seconds)
        return self.lock_seconds if count >= self.max_failures else None

    def reset(self, number: str) -> None:
        self.client.delete(self.key(number))

"""claims_api/verification.py: the lock-out counter in Redis."""

from __future__ import annotations

import uuid

import redis

from claims_api.verification import VerificationGuard


def test_guard_locks_after_max_failures_and_resets(redis_client: redis.Redis) -> None:
    guard = VerificationGuard(redis_client, max_failures=3, lock_seconds=60)
    number = f"TEST{uuid.uuid4().hex[:8].upper()}"
    try:
        assert guard.locked_for(number) is None
        assert guard.record_failure(number) is None
        assert guard.record_failure(number) is None
        assert guard.record_failure(number) == 60
        assert 0 < (guard.locked_for(number) or 0) <= 60
        guard.reset(number)
        assert guard.locked_for(number) is None
    finally:
        redis_client.delete(guard.key(number))


def test_guard_failures_expire(redis_client: redis.Redis) -> None:
    guard = VerificationGuard(redis_client, max_failures=5, lock_seconds=900)
    number = f"TEST{uuid.uuid4().hex[:8].upper()}"
    try:
        guard.record_failure(number)
        assert 0 < redis_client.ttl(guard.key(number)) <= 900
        assert guard.key(number) == f"claims:verify-fail:{number}"
    finally:
        redis_client.delete(guard.key(number))

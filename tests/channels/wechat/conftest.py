"""Unit-level fixtures of the WeChat modules: real Redis (db 12), the WeChat stand-in."""
from typing import Iterator

import pytest

from tests.channels import processes


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield processes.redis_test_url(tmp_path_factory.mktemp("redis"))

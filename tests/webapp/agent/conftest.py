"""Fixtures of the agent console tests: a fresh SQLite database, Redis database 10 (cleaned
of handoff keys), the web app in a TestClient, agents."""
from __future__ import annotations

import uuid
from typing import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from tests.support.redis_db import redis_url_for

REDIS_URL = redis_url_for(10)


def clean(client: redis.Redis) -> None:
    for pattern in ("handoff:*", "chat:outbound*", "rasa:events"):
        for key in client.scan_iter(pattern):
            client.delete(key)


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    clean(client)
    yield client
    clean(client)
    client.close()


@pytest.fixture
def console_env(tmp_path, monkeypatch, redis_client):
    from webapp import db
    from webapp.agent import settings

    monkeypatch.setenv("WEBAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'webapp.db'}")
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")  # nothing listens: no Rasa here
    monkeypatch.setenv("WEBAPP_SECRET_KEY", "test-secret")
    db.reset_caches()
    settings.get_settings.cache_clear()
    yield tmp_path
    db.reset_caches()
    settings.get_settings.cache_clear()


def make_agent(username: str, password: str = "secret-pass", name: str = "") -> None:
    from webapp.agent import crud
    from webapp.db import init_db, new_session

    init_db()
    with new_session() as session:
        crud.create_agent(session=session, username=username, password=password,
                          display_name=name or username)


@pytest.fixture
def app_client(console_env) -> Iterator[TestClient]:
    from webapp.main import app

    with TestClient(app) as client:
        yield client


def login(client: TestClient, username: str, password: str = "secret-pass") -> None:
    response = client.post("/agent/login", data={"username": username, "password": password},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


@pytest.fixture
def agent_client(app_client) -> TestClient:
    make_agent("xiaowang", name="小王")
    login(app_client, "xiaowang")
    return app_client


def conversation_id() -> str:
    return "conv-" + uuid.uuid4().hex[:12]


WRITE = {"X-Agent-Console": "1"}

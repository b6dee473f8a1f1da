"""Real processes for the report-intake tests: Claims API, action server and Rasa server on
free ports, a fresh SQLite database, a real Redis (db 14, own key prefix).

Used by tests/actions, tests/bot (client, outbox), tests/e2e and tests/conversations.
BLACK_BOX_RASA_URL / BLACK_BOX_CLAIMS_API_URL make the black-box tests use a running stack.
"""
from __future__ import annotations

import os
import socket
import time
import uuid
from pathlib import Path
from typing import Dict, Optional
from urllib.parse import urlparse, urlunparse

import requests

from stack.processes import Service
from stack.redis_server import ensure_redis, split_redis_url

ROOT = Path(__file__).resolve().parents[2]
RASA_BIN = ROOT / ".venv" / "rasa" / "bin"
SVC_PYTHON = ROOT / ".venv" / "svc" / "bin" / "python"
TEST_REDIS_DB = 14
BOT_TOKEN = "demo-bot-token"
STAFF_TOKEN = "demo-staff-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url_for_tests(log_dir: Path) -> str:
    """A real Redis (the machine's, or an embedded one) on database 14."""
    url = ensure_redis(os.environ.get("TEST_REDIS_URL", ""), log_dir / "redis").url
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{TEST_REDIS_DB}"))


def unique_prefix() -> str:
    return f"test-intake-{uuid.uuid4().hex[:8]}"


def base_env(redis_url: str, **extra: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(ROOT), "REDIS_URL": redis_url, "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(split_redis_url(redis_url))
    env.update(extra)
    return env


class ClaimsApiProcess:
    """The Claims API on its own port and database; can be stopped and started again."""

    def __init__(self, work_dir: Path, redis_url: str, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.work_dir = work_dir
        self.env = base_env(redis_url, DATABASE_URL=f"sqlite:///{work_dir / 'claims.db'}",
                            CLAIMS_API_HOST="127.0.0.1", CLAIMS_API_PORT=str(self.port),
                            APP_ENV="test", LOG_LEVEL="WARNING")
        self.service: Optional[Service] = None

    def start(self) -> "ClaimsApiProcess":
        self.service = Service("claims-api", [str(SVC_PYTHON), "-m", "claims_api"],
                               health_url=f"{self.url}/healthz", cwd=ROOT, startup_timeout=90)
        self.service.start(self.env, self.work_dir / "logs")
        self.service.wait_healthy()
        return self

    def stop(self) -> None:
        if self.service:
            self.service.stop()

    def claims(self, policy_no: str) -> list:
        response = requests.get(f"{self.url}/claims", params={"policy_no": policy_no},
                                headers={"Authorization": f"Bearer {STAFF_TOKEN}"}, timeout=10)
        response.raise_for_status()
        return response.json()


def start_action_server(work_dir: Path, redis_url: str, claims_api_url: str, prefix: str,
                        rasa_url: str = "", port: Optional[int] = None) -> Service:
    port = port or free_port()
    service = Service("actions", [str(RASA_BIN / "rasa"), "run", "actions", "--port", str(port),
                                  "--actions", "actions"],
                      health_url=f"http://127.0.0.1:{port}/health", cwd=ROOT, startup_timeout=120)
    service.env = {"CLAIMS_API_URL": claims_api_url, "BOT_REDIS_PREFIX": prefix, "RASA_URL": rasa_url}
    service.port = port  # type: ignore[attr-defined]
    service.start(base_env(redis_url), work_dir / "logs")
    service.wait_healthy()
    return service


def start_rasa(work_dir: Path, redis_url: str, model: Path, action_url: str,
               port: Optional[int] = None) -> Service:
    port = port or free_port()
    service = Service("rasa", [str(RASA_BIN / "rasa"), "run", "--enable-api", "--model", str(model),
                               "--endpoints", "endpoints.yml", "--port", str(port),
                               "--interface", "127.0.0.1"],
                      health_url=f"http://127.0.0.1:{port}/status", cwd=ROOT, startup_timeout=300)
    service.env = {"ACTION_SERVER_URL": action_url}
    service.port = port  # type: ignore[attr-defined]
    service.start(base_env(redis_url), work_dir / "logs")
    service.wait_healthy()
    return service


def find_model() -> Path:
    """The model to test: CLAIMS_TEST_MODEL / RASA_MODEL, else the newest in models/."""
    for name in ("CLAIMS_TEST_MODEL", "RASA_MODEL"):
        if os.environ.get(name):
            return Path(os.environ[name])
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("no trained model: run `make train` or set CLAIMS_TEST_MODEL")
    return models[-1]


class Chat:
    """A customer talking to the bot over the REST channel, as a channel would."""

    def __init__(self, rasa_url: str, sender: str) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.sender = sender
        self.transcript: list = []

    def say(self, text: str, timeout: float = 120) -> list:
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook",
                                 json={"sender": self.sender, "message": text}, timeout=timeout)
        response.raise_for_status()
        replies = response.json()
        self.transcript.append(("customer", text))
        for reply in replies:
            self.transcript.append(("bot", reply.get("text") or ""))
        return replies

    def tracker(self) -> dict:
        response = requests.get(f"{self.rasa_url}/conversations/{self.sender}/tracker", timeout=30)
        response.raise_for_status()
        return response.json()

    def dump(self) -> str:
        return "\n".join(f"{who}: {text}" for who, text in self.transcript)


def wait_until(predicate, timeout: float = 30, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()

"""Real services for the status/materials/notice tests, started once per test process.

- `claims_api()`: the Claims API as its own process (`.venv/svc/bin/python -m claims_api`)
  on a free port, with a fresh SQLite file loaded with the demo data, on Redis db 11.
- `redis_client()`: Redis 127.0.0.1:6379 db 11 (the notification stream, the lock-out
  counters, the chat streams and pending lists of these tests).
- `claims_env()`: points the bot's settings (bot.config) and the actions' cached client
  at that API and Redis, and back afterwards.
- Staff and customer helpers that change claims through the API, as the staff studio and
  the report form do.

Tests import what they need; processes stop when the test process exits.
"""
from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import glob
import os
import socket
import tempfile
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional
from urllib.parse import urlparse, urlunparse

import redis
import requests

from stack.processes import Service, Supervisor
from stack.redis_server import ensure_redis
from stack.settings import StackSettings
from stack.topology import services, stack_env

ROOT = Path(__file__).resolve().parents[2]
SVC_PYTHON = ROOT / ".venv" / "svc" / "bin" / "python"
REDIS_DB = 11
BOT_TOKEN = "demo-bot-token"
STAFF_TOKEN = "demo-staff-token"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

_services: Dict[str, Any] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url() -> str:
    """Database 11 of the machine's Redis (TEST_REDIS_URL, else 127.0.0.1:6379), or of an
    embedded server when none answers."""
    if "redis_url" not in _services:
        handle = ensure_redis(os.environ.get("TEST_REDIS_URL", ""),
                              Path(tempfile.mkdtemp(prefix="status-redis-")))
        if handle.embedded:
            atexit.register(handle.stop)
        _services["redis_url"] = urlunparse(urlparse(handle.url)._replace(path=f"/{REDIS_DB}"))
    return _services["redis_url"]


def redis_client() -> redis.Redis:
    client = redis.Redis.from_url(redis_url(), decode_responses=True)
    client.ping()
    return client


def claims_api() -> str:
    """The URL of the Claims API process of this test run (started on first use)."""
    if "claims_api" in _services:
        return _services["claims_api"][1]
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="status-tests-"))
    url = f"http://127.0.0.1:{port}"
    service = Service(
        "claims-api", [str(SVC_PYTHON), "-m", "claims_api"], health_url=f"{url}/healthz",
        cwd=ROOT, startup_timeout=90,
        env={"CLAIMS_API_PORT": str(port), "CLAIMS_API_HOST": "127.0.0.1",
             "DATABASE_URL": f"sqlite:///{workdir / 'claims.db'}", "REDIS_URL": redis_url(),
             "LOAD_DEMO_DATA": "true", "APP_ENV": "test", "LOG_LEVEL": "WARNING",
             "CLAIMS_API_TOKEN": BOT_TOKEN, "STAFF_API_TOKEN": STAFF_TOKEN},
    )
    service.start({**os.environ, "PYTHONPATH": str(ROOT)}, workdir)
    atexit.register(service.stop)
    service.wait_healthy()
    _services["claims_api"] = (service, url)
    return url


def _reset_caches() -> None:
    from bot import config

    config.get_settings.cache_clear()
    try:
        from actions import common, status

        common.claims_client.cache_clear()
        status._redis.cache_clear()
    except ImportError:  # the Rasa SDK is not needed by the bot/ tests
        pass


@contextlib.contextmanager
def claims_env() -> Iterator[str]:
    """Point bot.config (and everything cached from it) at the test API and Redis for a
    while; the environment other tests set up is restored afterwards."""
    url = claims_api()
    wanted = {"CLAIMS_API_URL": url, "CLAIMS_API_TOKEN": BOT_TOKEN, "REDIS_URL": redis_url()}
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    _reset_caches()
    try:
        yield url
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _reset_caches()


def unlock(number: str) -> None:
    """Forget failed verifications of a number (the API keeps them in Redis)."""
    redis_client().delete(f"claims:verify-fail:{number}")


# --- the API as staff and customers use it ---------------------------------------------------


def _call(method: str, path: str, token: str, **kwargs: Any) -> Any:
    response = requests.request(method, f"{claims_api()}{path}",
                                headers={"Authorization": f"Bearer {token}",
                                         **kwargs.pop("headers", {})}, timeout=10, **kwargs)
    response.raise_for_status()
    return response.json()


def bot_get(path: str) -> Any:
    return _call("GET", path, BOT_TOKEN)


def lookup(**body: str) -> Dict[str, Any]:
    return _call("POST", "/claims/status-lookup", BOT_TOKEN, json=body)["claims"][0]


def file_claim(*, policy_no: str, claim_type: str, insured_name: str, contact_phone: str,
               channel: str = "rest", conversation_id: Optional[str] = None,
               days_ago: int = 1, **fields: Any) -> str:
    """A new claim filed as the report form files it; returns its report number."""
    when = (dt.datetime.now(SHANGHAI) - dt.timedelta(days=days_ago)).replace(microsecond=0)
    body = {
        "policy_no": policy_no, "claim_type": claim_type, "insured_name": insured_name,
        "incident_time": when.isoformat(), "incident_place": "北京市海淀区中关村大街",
        "cause": "剐蹭", "description": "停车时被旁边车辆剐蹭，左后门受损", "loss": "左后门划痕",
        "casualties": False, "contact_phone": contact_phone, "channel": channel, **fields,
    }
    if conversation_id:
        body["conversation_id"] = conversation_id
    filed = _call("POST", "/claims", BOT_TOKEN, json=body,
                  headers={"Idempotency-Key": f"status-tests-{uuid.uuid4().hex}"})
    return filed["report_no"]


def file_vehicle_claim(*, channel: str = "rest", conversation_id: Optional[str] = None,
                       days_ago: int = 1) -> str:
    """A new claim on the demo vehicle policy PDAA202603010000001234 (王建国, 13812345678)."""
    return file_claim(policy_no="PDAA202603010000001234", claim_type="vehicle",
                      insured_name="王建国", contact_phone="13812345678", channel=channel,
                      conversation_id=conversation_id, days_ago=days_ago)


def file_injury_claim(*, channel: str = "rest", conversation_id: Optional[str] = None) -> str:
    """A second claim on the demo accident policy PEAC202601010000002468 (张伟, 18600001111),
    whose first claim BA20260902000077 is paid."""
    return file_claim(policy_no="PEAC202601010000002468", claim_type="injury", insured_name="张伟",
                      contact_phone="18600001111", channel=channel, conversation_id=conversation_id,
                      incident_place="杭州市西湖区文三路", cause="摔伤",
                      description="下楼梯时踩空摔倒，左脚踝扭伤", loss="门诊治疗费用约800元",
                      casualties=True, casualty_details="本人左脚踝扭伤")


def staff_move(report_no: str, to_stage: str, **extra: Any) -> Dict[str, Any]:
    return _call("POST", f"/claims/{report_no}/transitions", STAFF_TOKEN,
                 json={"to_stage": to_stage, "reason": "测试", "actor": "tester", **extra})


def staff_request_materials(report_no: str, items: list) -> Dict[str, Any]:
    return _call("POST", f"/claims/{report_no}/material-requests", STAFF_TOKEN,
                 json={"items": items, "actor": "tester"})


# --- the whole stack, as `make run` starts it -------------------------------------------------

WECHAT_TOKEN = "status-test-token"
WECHAT_APP_ID = "wx0a1b2c3d4e5f6071"
WECHAT_APP_SECRET = "status-test-secret"


def find_model() -> Path:
    """CLAIMS_TEST_MODEL / RASA_MODEL, else the newest model in models/."""
    for name in ("CLAIMS_TEST_MODEL", "RASA_MODEL"):
        if os.environ.get(name):
            return Path(os.environ[name])
    found = sorted(glob.glob(str(ROOT / "models" / "*.tar.gz")), key=os.path.getmtime)
    if not found:
        raise RuntimeError("no trained model: run `make train` or set CLAIMS_TEST_MODEL")
    return Path(found[-1])


class Stack:
    """Every service of stack/topology.py (Claims API with the demo data, actions, Rasa with
    credentials.yml, outbox worker, outbound worker, notifier) on free ports, Redis db 11,
    WeChat's API at `wechat_api_base` (plain-text mode)."""

    def __init__(self, wechat_api_base: str) -> None:
        self.work_dir = Path(tempfile.mkdtemp(prefix="status-stack-"))
        self.redis_url = redis_url()
        self.settings = StackSettings(
            rasa_port=free_port(), action_port=free_port(), claims_api_port=free_port(),
            webapp_port=free_port(), host="127.0.0.1", redis_url=self.redis_url,
            database_url=f"sqlite:///{self.work_dir / 'claims.db'}", var_dir=self.work_dir)
        env = stack_env(self.settings, self.redis_url)
        for name in [n for n in env if n.startswith("WECHAT_")]:
            env.pop(name)
        env.update({"APP_ENV": "test", "CLAIMS_API_TOKEN": BOT_TOKEN, "STAFF_API_TOKEN": STAFF_TOKEN,
                    "LOG_LEVEL": "INFO", "PYTHONDONTWRITEBYTECODE": "1",
                    "MATERIALS_DIR": str(self.work_dir / "materials"),
                    "BOT_REDIS_PREFIX": f"status-test-{uuid.uuid4().hex[:6]}",
                    "WECHAT_TOKEN": WECHAT_TOKEN, "WECHAT_APP_ID": WECHAT_APP_ID,
                    "WECHAT_APP_SECRET": WECHAT_APP_SECRET, "WECHAT_API_BASE": wechat_api_base})
        self.env = env
        # Streams of earlier runs in the test database would be delivered first.
        store = redis.Redis.from_url(self.redis_url)
        store.delete("chat:outbound", "claims:notifications")
        store.close()
        chosen: List[Service] = services(self.settings, find_model(), include_webapp=False)
        self.supervisor = Supervisor(chosen, env, log_dir=self.work_dir / "logs")

    def start(self) -> "Stack":
        self.supervisor.start()
        return self

    def stop(self) -> None:
        self.supervisor.stop()

    @property
    def rasa_url(self) -> str:
        return self.settings.url(self.settings.rasa_port)

    @property
    def claims_api_url(self) -> str:
        return self.settings.url(self.settings.claims_api_port)

    def log(self, name: str) -> str:
        path = self.work_dir / "logs" / f"{name}.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""

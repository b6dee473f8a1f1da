"""The whole assistant for the handoff tests, as `make run` starts it (stack/topology.py), on
free ports: Claims API, action server, Rasa (endpoints.yml: Redis tracker store and event
broker), the outbound worker, the web app with its agent console. Redis database 10; a fresh
web app database with two agents; WeChat's API is the loopback stand-in of tests/channels.

Working hours are set to a window around now (HANDOFF_HOURS), so that a message written now
is inside them and one stamped AFTER_HOURS (metadata.message_time) is outside, whatever the
time of day the tests run. Imports only the standard library and `stack`: the rasa-env tests
(customers on the web chat and WeChat) and the svc-env browser test share it.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import urlparse, urlunparse

from stack.processes import Supervisor
from stack.redis_server import ensure_redis
from stack.settings import ROOT, StackSettings
from stack.topology import SVC_BIN, services, stack_env
from tests.channels.processes import (BOT_TOKEN, STAFF_TOKEN, WECHAT_AES_KEY, WECHAT_APP_ID,
                                      WECHAT_APP_SECRET, WECHAT_TOKEN, expanded_endpoints,
                                      find_model, free_port)

REDIS_DB = 10
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime.now(SHANGHAI)
HANDOFF_HOURS = f"{NOW - dt.timedelta(hours=3):%H:%M}-{NOW + dt.timedelta(hours=3):%H:%M}"
AFTER_HOURS = (NOW + dt.timedelta(hours=8)).replace(microsecond=0).isoformat()
AGENTS = {"xiaowang": ("小王", "wang-pass-123"), "xiaoli": ("小李", "li-pass-1234")}
# Streams that other runs on this database leave behind (their consumer groups would
# deliver old entries again).
STARTUP_SECONDS = float(os.environ.get("HANDOFF_TEST_STARTUP_SECONDS", "600"))
STREAMS = ("rasa:events", "handoff:events", "chat:outbound", "chat:outbound:attempts")


def redis_url(work_dir: Path) -> str:
    url = ensure_redis(os.environ.get("TEST_REDIS_URL", ""), work_dir / "redis").url
    return urlunparse(urlparse(url)._replace(path=f"/{REDIS_DB}"))


@dataclass
class HandoffStack:
    work_dir: Path
    redis_url: str
    settings: StackSettings
    supervisor: Supervisor
    env: Dict[str, str]

    @property
    def rasa_url(self) -> str:
        return self.settings.url(self.settings.rasa_port)

    @property
    def webapp_url(self) -> str:
        return self.settings.url(self.settings.webapp_port)

    @property
    def claims_api_url(self) -> str:
        return self.settings.url(self.settings.claims_api_port)

    def restart(self, name: str) -> None:
        service = self.supervisor.get(name)
        service.stop()
        service.start(self.env, self.work_dir / "logs")
        service.wait_healthy()

    def log(self, name: str) -> str:
        path = self.work_dir / "logs" / f"{name}.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""

    def stop(self) -> None:
        self.supervisor.stop()


def start(wechat_api_base: str) -> HandoffStack:
    work_dir = Path(tempfile.mkdtemp(prefix="handoff-stack-"))
    url = redis_url(work_dir)
    _clear_streams(url)
    settings = StackSettings(
        rasa_port=free_port(), action_port=free_port(), claims_api_port=free_port(),
        webapp_port=free_port(), host="127.0.0.1", redis_url=url,
        database_url=f"sqlite:///{work_dir / 'claims.db'}", var_dir=work_dir)
    env = stack_env(settings, url)
    env.update({
        "APP_ENV": "test", "CLAIMS_API_TOKEN": BOT_TOKEN, "STAFF_API_TOKEN": STAFF_TOKEN,
        "MATERIALS_DIR": str(work_dir / "materials"), "PYTHONDONTWRITEBYTECODE": "1",
        "LOG_LEVEL": "INFO", "HANDOFF_HOURS": HANDOFF_HOURS, "HANDOFF_DAYS": "1-7",
        "HANDOFF_AVG_MINUTES": "3", "WEBAPP_DATABASE_URL": f"sqlite:///{work_dir / 'webapp.db'}",
        "WEBAPP_SECRET_KEY": "handoff-test-secret",
        "WECHAT_TOKEN": WECHAT_TOKEN, "WECHAT_APP_ID": WECHAT_APP_ID,
        "WECHAT_APP_SECRET": WECHAT_APP_SECRET, "WECHAT_AES_KEY": WECHAT_AES_KEY,
        "WECHAT_API_BASE": wechat_api_base,
    })
    for username, (name, password) in AGENTS.items():
        subprocess.run([str(SVC_BIN / "python"), "-m", "webapp.agent.cli", "create-agent",
                        "--username", username, "--password", password, "--name", name],
                       env=env, cwd=ROOT, check=True, capture_output=True)
    chosen = services(settings, find_model(), include_webapp=True,
                      endpoints=str(expanded_endpoints(work_dir)))
    for service in chosen:  # a loaded machine (CI, parallel training) starts slowly
        service.startup_timeout = max(service.startup_timeout, STARTUP_SECONDS)
    supervisor = Supervisor(chosen, env, log_dir=work_dir / "logs")
    supervisor.start()
    return HandoffStack(work_dir, url, settings, supervisor, env)


def _clear_streams(url: str) -> None:
    """DEL of the shared streams, with nothing but the standard library (RESP over TCP)."""
    import socket

    parts = urlparse(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 5) as sock:
        def command(*args: str) -> bytes:
            payload = f"*{len(args)}\r\n" + "".join(
                f"${len(a.encode())}\r\n{a}\r\n" for a in args)
            sock.sendall(payload.encode())
            return sock.recv(4096)
        command("SELECT", str(REDIS_DB))
        command("DEL", *STREAMS)


class AgentConsole:
    """An agent using the console's HTTP API (what console.js calls), with a session cookie."""

    def __init__(self, base_url: str, username: str) -> None:
        self.base = base_url
        self.username = username
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def login(self) -> "AgentConsole":
        data = urllib.parse.urlencode({"username": self.username,
                                       "password": AGENTS[self.username][1]}).encode()
        with self.opener.open(f"{self.base}/agent/login", data=data, timeout=30) as response:
            assert response.status == 200 and "坐席工作台" in response.read().decode()
        return self

    def call(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        request = urllib.request.Request(
            f"{self.base}{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", "X-Agent-Console": "1"})
        try:
            with self.opener.open(request, timeout=60) as response:
                return json.loads(response.read().decode())
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: {error.code} {error.read().decode()}") from None

    def status_of(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> int:
        request = urllib.request.Request(f"{self.base}{path}", method=method,
                                         data=json.dumps(body or {}).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "X-Agent-Console": "1"})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def queue(self) -> Dict[str, Any]:
        return self.call("GET", "/agent/api/queue")

    def conversation(self, conversation_id: str) -> Dict[str, Any]:
        return self.call("GET", f"/agent/api/conversations/{conversation_id}")

    def take(self, conversation_id: str) -> Dict[str, Any]:
        return self.call("POST", f"/agent/api/conversations/{conversation_id}/take")

    def reply(self, conversation_id: str, text: str) -> Dict[str, Any]:
        return self.call("POST", f"/agent/api/conversations/{conversation_id}/messages", {"text": text})

    def end(self, conversation_id: str) -> Dict[str, Any]:
        return self.call("POST", f"/agent/api/conversations/{conversation_id}/end")

    def wait_waiting(self, conversation_id: str, timeout: float = 30) -> Dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in self.queue()["waiting"]:
                if item["conversation_id"] == conversation_id:
                    return item
            time.sleep(0.2)
        raise AssertionError(f"{conversation_id} never waited in the queue: {self.queue()}")

    def wait_lines(self, conversation_id: str, predicate, timeout: float = 30) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines = self.conversation(conversation_id)["lines"]
            if predicate(lines):
                return lines
            time.sleep(0.2)
        raise AssertionError(f"transcript of {conversation_id}: {self.conversation(conversation_id)['lines']}")


def rest(stack: HandoffStack, sender: str, text: str, message_time: Optional[str] = None) -> List[Dict[str, Any]]:
    """One message over Rasa's REST channel; the bot's answers."""
    body: Dict[str, Any] = {"sender": sender, "message": text}
    if message_time:
        body["metadata"] = {"message_time": message_time}
    request = urllib.request.Request(f"{stack.rasa_url}/webhooks/rest/webhook",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read().decode())


def tracker(stack: HandoffStack, conversation_id: str) -> Dict[str, Any]:
    with urllib.request.urlopen(f"{stack.rasa_url}/conversations/{conversation_id}/tracker",
                                timeout=30) as response:
        return json.loads(response.read().decode())


def wait_for(check, timeout: float = 30, interval: float = 0.2, message: str = "") -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(message or f"condition not met within {timeout} s (last: {last!r})")

"""The stack as `make run` starts it (stack/topology.py), on free ports, for channel tests:
Claims API (fresh SQLite, demo data), action server, Rasa with credentials.yml, the
outbound worker, and optionally the web app; Redis database 12; WeChat's API played by
the loopback stand-in. Used by tests/channels (rasa env) and tests/webapp/chat (svc env),
so it imports only the standard library and `stack`.
"""
from __future__ import annotations

import base64
import os
import re
import socket
import tempfile
import uuid
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import urlparse, urlunparse

from stack.processes import Service, Supervisor
from stack.redis_server import ensure_redis
from stack.settings import ROOT, StackSettings
from stack.topology import services, stack_env

REDIS_TEST_DB = 12
WECHAT_TOKEN = "channel-test-token"
WECHAT_APP_ID = "wx5f2c1e0d9b8a7c6d"
WECHAT_APP_SECRET = "channel-test-secret"
# A fixed EncodingAESKey (43 characters of base64 for 32 bytes), as the platform issues.
WECHAT_AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")
BOT_TOKEN = "demo-bot-token"
STARTUP_TIMEOUT = float(os.environ.get("CHANNEL_TEST_STARTUP_TIMEOUT", "900"))
STAFF_TOKEN = "demo-staff-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_test_url(work_dir: Path) -> str:
    url = ensure_redis(os.environ.get("TEST_REDIS_URL", ""), work_dir / "redis").url
    return urlunparse(urlparse(url)._replace(path=f"/{REDIS_TEST_DB}"))


def find_model() -> Path:
    for name in ("CLAIMS_TEST_MODEL", "RASA_MODEL"):
        if os.environ.get(name):
            return Path(os.environ[name])
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise RuntimeError("no trained model: run `make train` or set CLAIMS_TEST_MODEL")
    return models[-1]


def domain_has_slot(name: str) -> bool:
    """Whether the dialogue defines a slot (the report form is developed separately)."""
    for path in (ROOT / "domain").glob("*.yml"):
        if f"\n  {name}:" in path.read_text("utf-8"):
            return True
    return False


def expanded_endpoints(work_dir: Path) -> Path:
    """endpoints.yml with `"${VAR}"` unquoted: Rasa 3.6 expands environment variables in
    plain YAML scalars only, so a quoted one would reach Rasa as the literal text."""
    text = (ROOT / "endpoints.yml").read_text("utf-8")
    path = work_dir / "endpoints.yml"
    path.write_text(re.sub(r'"(\$\{[A-Za-z_][A-Za-z0-9_]*\}[^"\s]*)"', r"\1", text), "utf-8")
    return path


@dataclass
class ChannelStack:
    work_dir: Path
    redis_url: str
    settings: StackSettings
    supervisor: Supervisor
    env: Dict[str, str] = field(default_factory=dict)
    wechat_configured: bool = True
    outbound_stream: str = "chat:outbound"
    socketio_channel: str = "socketio"
    wechat_app_id: str = WECHAT_APP_ID

    @property
    def rasa_url(self) -> str:
        return self.settings.url(self.settings.rasa_port)

    @property
    def claims_api_url(self) -> str:
        return self.settings.url(self.settings.claims_api_port)

    @property
    def webapp_url(self) -> str:
        return self.settings.url(self.settings.webapp_port)

    @property
    def materials_dir(self) -> Path:
        return self.work_dir / "materials"

    def log(self, name: str) -> str:
        path = self.work_dir / "logs" / f"{name}.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""

    def stop(self) -> None:
        self.supervisor.stop()
        import redis

        client = redis.Redis.from_url(self.redis_url)
        client.delete(self.outbound_stream, self.outbound_stream + ":attempts",
                      self.outbound_stream + ":dead")
        client.close()


def start_stack(wechat_api_base: Optional[str] = None, include_webapp: bool = False,
                wechat: bool = True, extra_env: Optional[Dict[str, str]] = None) -> ChannelStack:
    """The stack on free ports. Names shared in Redis are made unique to this run (the
    outbound stream, the socket.io pub/sub channel, the WeChat app id that keys the access
    token), so runs side by side on database 12 do not take each other's work."""
    run = uuid.uuid4().hex[:12]
    names = {"outbound_stream": f"chat:outbound:test-{run}", "socketio_channel": f"socketio-test-{run}",
             "wechat_app_id": f"wx{run}test"}
    work_dir = Path(tempfile.mkdtemp(prefix="channel-stack-"))
    redis_url = redis_test_url(work_dir)
    settings = StackSettings(
        rasa_port=free_port(), action_port=free_port(), claims_api_port=free_port(),
        webapp_port=free_port(), host="127.0.0.1", redis_url=redis_url,
        database_url=f"sqlite:///{work_dir / 'claims.db'}", var_dir=work_dir,
    )
    env = stack_env(settings, redis_url)
    env.update({"MATERIALS_DIR": str(work_dir / "materials"), "APP_ENV": "test",
                "CLAIMS_API_TOKEN": BOT_TOKEN, "STAFF_API_TOKEN": STAFF_TOKEN,
                "PYTHONDONTWRITEBYTECODE": "1", "LOG_LEVEL": "INFO",
                "CHAT_OUTBOUND_STREAM": names["outbound_stream"],
                "SOCKETIO_REDIS_CHANNEL": names["socketio_channel"]})
    for name in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_AES_KEY",
                 "WECHAT_API_BASE"):
        env.pop(name, None)
    if wechat:
        env.update({"WECHAT_TOKEN": WECHAT_TOKEN, "WECHAT_APP_ID": names["wechat_app_id"],
                    "WECHAT_APP_SECRET": WECHAT_APP_SECRET, "WECHAT_AES_KEY": WECHAT_AES_KEY})
        if wechat_api_base:
            env["WECHAT_API_BASE"] = wechat_api_base
    env.update(extra_env or {})
    chosen: List[Service] = services(settings, find_model(), include_webapp=include_webapp,
                                     endpoints=str(expanded_endpoints(work_dir)))
    for service in chosen:  # a busy machine loads the model slowly
        service.startup_timeout = max(service.startup_timeout, STARTUP_TIMEOUT)
    supervisor = Supervisor(chosen, env, log_dir=work_dir / "logs")
    supervisor.start()
    return ChannelStack(work_dir, redis_url, settings, supervisor, env, wechat_configured=wechat,
                        **names)


def save_state(running: ChannelStack, path: Path) -> None:
    """Where a running stack is, for `attach` (tests against a stack started once)."""
    import json

    s = running.settings
    path.write_text(json.dumps({
        "work_dir": str(running.work_dir), "redis_url": running.redis_url,
        "ports": [s.rasa_port, s.action_port, s.claims_api_port, s.webapp_port],
        "wechat": running.wechat_configured, "outbound_stream": running.outbound_stream,
        "socketio_channel": running.socketio_channel, "wechat_app_id": running.wechat_app_id,
    }), "utf-8")


def attach(path: Path) -> ChannelStack:
    import json

    state = json.loads(Path(path).read_text("utf-8"))
    rasa, action, claims, webapp = state["ports"]
    settings = StackSettings(rasa_port=rasa, action_port=action, claims_api_port=claims,
                             webapp_port=webapp, host="127.0.0.1", redis_url=state["redis_url"])
    return ChannelStack(Path(state["work_dir"]), state["redis_url"], settings, Supervisor([], {}),
                        wechat_configured=state["wechat"], outbound_stream=state["outbound_stream"],
                        socketio_channel=state["socketio_channel"], wechat_app_id=state["wechat_app_id"])


def http_json(url: str, token: Optional[str] = None) -> object:
    import json

    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


if __name__ == "__main__":  # pragma: no cover - a developer's convenience
    # python -m tests.channels.processes STATE.json STANDIN_PORT [--webapp] [--no-wechat]:
    # start the stack once and keep it running; tests attach with CHANNEL_TEST_STACK=STATE.json
    # (and CHANNEL_TEST_STANDIN_PORT=STANDIN_PORT for the WeChat stand-in).
    import signal
    import sys
    import time as _time

    state_file, standin_port = Path(sys.argv[1]), sys.argv[2]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stops what started, even mid-start
    stack = start_stack(wechat_api_base=f"http://127.0.0.1:{standin_port}",
                        include_webapp="--webapp" in sys.argv, wechat="--no-wechat" not in sys.argv)
    save_state(stack, state_file)
    print(f"stack running; state in {state_file}", flush=True)
    try:
        while True:
            _time.sleep(1)
    finally:
        stack.stop()

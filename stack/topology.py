"""Which processes make up the assistant, and how they are wired together."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List

from stack.processes import Service
from stack.redis_server import split_redis_url
from stack.settings import ROOT, StackSettings

RASA_BIN = ROOT / ".venv" / "rasa" / "bin"
SVC_BIN = ROOT / ".venv" / "svc" / "bin"


def stack_env(settings: StackSettings, redis_url: str) -> Dict[str, str]:
    """The environment every process of the stack shares."""
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT),
        "REDIS_URL": redis_url,
        "DATABASE_URL": settings.database_url,
        "CLAIMS_API_URL": settings.url(settings.claims_api_port),
        "CLAIMS_API_PORT": str(settings.claims_api_port),
        "CLAIMS_API_HOST": settings.host,
        "WEBAPP_PORT": str(settings.webapp_port),
        "WEBAPP_HOST": settings.host,
        "RASA_URL": settings.url(settings.rasa_port),
        "ACTION_SERVER_URL": settings.url(settings.action_port),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",
    })
    env.update(split_redis_url(redis_url))
    return env


def services(settings: StackSettings, model: Path, include_webapp: bool = True,
             endpoints: str = "endpoints.yml") -> List[Service]:
    rasa = str(RASA_BIN / "rasa")
    result = [
        Service("claims-api", [str(SVC_BIN / "python"), "-m", "claims_api"],
                health_url=f"{settings.url(settings.claims_api_port)}/healthz", cwd=ROOT),
        Service("actions", [rasa, "run", "actions", "--port", str(settings.action_port),
                            "--actions", "actions"],
                health_url=f"{settings.url(settings.action_port)}/health", cwd=ROOT),
        Service("rasa", [rasa, "run", "--enable-api", "--cors", "*",
                         "--model", str(model), "--endpoints", endpoints,
                         "--credentials", "credentials.yml",
                         "--interface", settings.host, "--port", str(settings.rasa_port)],
                health_url=f"{settings.url(settings.rasa_port)}/status",
                cwd=ROOT, startup_timeout=240.0),
    ]
    if (ROOT / "bot" / "outbox.py").exists():
        result.append(Service("outbox-worker", [str(RASA_BIN / "python"), "-m", "bot.outbox"],
                              cwd=ROOT))
    # Delivers agent replies and progress notices to the web chat and WeChat
    # (channels/outbound.py); a consumer group, so more instances may run.
    result.append(Service("outbound", [str(RASA_BIN / "python"), "-m", "channels.outbound"],
                          cwd=ROOT))
    # Turns the Claims API's stage changes (claims:notifications) into progress notices
    # on the customer's channel (bot/notifier.py); a consumer group, like the above.
    result.append(Service("notifier", [str(RASA_BIN / "python"), "-m", "bot.notifier"],
                          cwd=ROOT))
    if include_webapp:
        result.append(Service("webapp", [str(SVC_BIN / "python"), "-m", "webapp"],
                              health_url=f"{settings.url(settings.webapp_port)}/healthz",
                              cwd=ROOT))
    return result

"""Environment-driven settings of the local stack; defaults work with nothing configured."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _port(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class StackSettings:
    rasa_port: int = field(default_factory=lambda: _port("RASA_PORT", 5005))
    action_port: int = field(default_factory=lambda: _port("ACTION_SERVER_PORT", 5055))
    claims_api_port: int = field(default_factory=lambda: _port("CLAIMS_API_PORT", 8000))
    webapp_port: int = field(default_factory=lambda: _port("WEBAPP_PORT", 8001))
    host: str = field(default_factory=lambda: os.environ.get("STACK_HOST", "127.0.0.1"))
    redis_url: str = field(default_factory=lambda: os.environ.get("REDIS_URL", ""))
    database_url: str = field(default_factory=lambda: os.environ.get(
        "DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'claims.db'}"))
    models_dir: Path = field(default_factory=lambda: Path(os.environ.get("MODELS_DIR", ROOT / "models")))
    var_dir: Path = field(default_factory=lambda: Path(os.environ.get("VAR_DIR", ROOT / "var")))

    def url(self, port: int) -> str:
        return f"http://{self.host}:{port}"

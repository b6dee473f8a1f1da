"""Settings of the staff studio, from the environment; defaults work with nothing set."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass(frozen=True)
class StudioSettings:
    # The Rasa project the studio edits, evaluates and trains (tests point it at a copy).
    project_dir: Path = field(default_factory=lambda: Path(_env("STUDIO_PROJECT_DIR", str(ROOT))))
    models_dir: Path = field(default_factory=lambda: Path(_env("STUDIO_MODELS_DIR", "")) if
                             os.environ.get("STUDIO_MODELS_DIR") else
                             Path(_env("STUDIO_PROJECT_DIR", str(ROOT))) / "models")
    results_dir: Path = field(default_factory=lambda: Path(_env("STUDIO_RESULTS_DIR", "")) if
                              os.environ.get("STUDIO_RESULTS_DIR") else
                              Path(_env("STUDIO_PROJECT_DIR", str(ROOT))) / "results" / "studio")
    rasa_bin: Path = field(default_factory=lambda: Path(_env("STUDIO_RASA_BIN",
                                                             str(ROOT / ".venv" / "rasa" / "bin"))))
    rasa_url: str = field(default_factory=lambda: _env(
        "RASA_URL", f"http://127.0.0.1:{_env('RASA_PORT', '5005')}").rstrip("/"))
    rasa_token: str = field(default_factory=lambda: _env("RASA_TOKEN", ""))
    redis_url: str = field(default_factory=lambda: _env("REDIS_URL", "redis://127.0.0.1:6379/0"))
    stream: str = field(default_factory=lambda: _env("STUDIO_EVENT_STREAM", "rasa:events"))
    confidence_threshold: float = field(default_factory=lambda: float(
        _env("STUDIO_CONFIDENCE_THRESHOLD", "0.6")))
    secret_key: str = field(default_factory=lambda: _env("STUDIO_SECRET_KEY", "demo-studio-secret"))
    session_hours: float = field(default_factory=lambda: float(_env("STUDIO_SESSION_HOURS", "12")))
    test_set: str = field(default_factory=lambda: _env("STUDIO_TEST_SET", "tests/nlu/test_nlu.yml"))

    @property
    def rasa(self) -> Path:
        return self.rasa_bin / "rasa"


def get_settings() -> StudioSettings:
    # Read on every call: cheap, and tests change the environment.
    return StudioSettings()

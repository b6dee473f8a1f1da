"""Models: train in the background, publish to the running Rasa server, roll back.

Training runs `rasa train` on the project into STUDIO_MODELS_DIR (default models/) under a
new name `studio-<time>.tar.gz`; older models are kept. Progress comes from Rasa's output
(its epoch bars of DIET, ResponseSelector and TED). Only one training runs at a time
(jobs.py, Redis lock). Publishing asks the running Rasa server to load the model
(`PUT /model {"model_file": path}`), without a restart; each publication is recorded with
the model that was live before it, and rolling back publishes that one again.
"""
from __future__ import annotations

import re
import time
from pathlib import Path
from typing import List, Optional

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.studio import jobs, rasa_cli
from webapp.studio.db import Publication
from webapp.studio.settings import get_settings

EPOCH_BARS = 3  # DIET, ResponseSelector, TED
_PERCENT = re.compile(r"Epochs:\s+(\d+)%")
_COMPONENT = re.compile(r"Starting to train component '([^']+)'")


class PublishError(RuntimeError):
    pass


def list_models() -> List[Path]:
    folder = get_settings().models_dir
    return sorted(folder.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)


class TrainingProgress:
    """Turns Rasa's training output into a 0..1 progress and a stage name."""

    def __init__(self, job: jobs.Job) -> None:
        self.job, self.bars, self.last = job, 0, -1

    def __call__(self, line: str) -> None:
        match = _PERCENT.search(line)
        if match:
            pct = int(match.group(1))
            if pct < self.last:
                self.bars += 1
            self.last = pct
            done = min(self.bars + pct / 100, EPOCH_BARS)
            self.job.progress = max(self.job.progress, 0.05 + 0.9 * done / EPOCH_BARS)
            self.job.stage = f"training ({min(self.bars + 1, EPOCH_BARS)}/{EPOCH_BARS}) {pct}%"
            return
        self.job.note(line)
        component = _COMPONENT.search(line)
        if component:
            self.job.stage = component.group(1)
        elif "Your Rasa model is trained and saved" in line:
            self.job.stage, self.job.progress = "saved", 0.98


def train(job: Optional[jobs.Job] = None, name: Optional[str] = None) -> Path:
    """Trains synchronously; returns the new model's path."""
    settings = get_settings()
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    name = name or f"studio-{time.strftime('%Y%m%d-%H%M%S')}"
    on_line = TrainingProgress(job) if job else None
    process = rasa_cli.popen(rasa_cli.command(
        "train", "--domain", "domain", "--data", "data", "--config", "config.yml",
        "--out", str(settings.models_dir), "--fixed-model-name", name))
    tail: List[str] = []
    assert process.stdout is not None
    for raw in process.stdout:
        for line in re.split(r"[\r\n]+", raw):
            if line.strip():
                tail = (tail + [line])[-30:]
                if on_line:
                    on_line(line)
    if process.wait() != 0:
        raise RuntimeError("rasa train failed:\n" + "\n".join(tail))
    path = settings.models_dir / f"{name}.tar.gz"
    if not path.exists():
        raise RuntimeError("rasa train finished without writing " + path.name)
    return path


def start_training(username: str) -> jobs.Job:
    return jobs.start("train", username, lambda job: {"model": str(train(job))}, redis_lock=True)


def _params() -> dict:
    token = get_settings().rasa_token
    return {"token": token} if token else {}


def live_model() -> Optional[str]:
    """The model file the running Rasa server serves (None when it does not answer)."""
    try:
        response = httpx.get(f"{get_settings().rasa_url}/status", params=_params(), timeout=10)
        response.raise_for_status()
    except httpx.HTTPError:
        return None
    return response.json().get("model_file")


def resolve_model(model: str, anywhere: bool = False) -> Path:
    path = Path(model)
    if not path.is_absolute():
        path = get_settings().models_dir / (model if model.endswith(".tar.gz") else f"{model}.tar.gz")
    try:
        inside = path.resolve().parent == get_settings().models_dir.resolve()
        found = path.exists()
    except (OSError, ValueError):  # a NUL byte or an over-long name: no such file
        inside = found = False
    if not found or not path.name.endswith(".tar.gz") or not (inside or anywhere):
        raise PublishError(f"no such model: {model[:200]}")
    return path.resolve()


def publish(session: Session, model: str, username: str, action: str = "publish") -> Publication:
    path = resolve_model(model, anywhere=action == "rollback")
    previous = live_model()
    try:
        response = httpx.put(f"{get_settings().rasa_url}/model", params=_params(),
                             json={"model_file": str(path)}, timeout=600)
    except httpx.HTTPError as error:
        raise PublishError(f"Rasa did not answer: {error}") from error
    if response.status_code >= 300:
        raise PublishError(f"Rasa refused the model ({response.status_code}): {response.text[:300]}")
    record = Publication(model_path=str(path), previous_path=previous, published_by=username,
                         action=action)
    session.add(record)
    session.commit()
    return record


def history(session: Session, limit: int = 20) -> List[Publication]:
    return list(session.scalars(select(Publication).order_by(Publication.id.desc()).limit(limit)))


def rollback_target(session: Session) -> Optional[str]:
    last = session.scalar(select(Publication).order_by(Publication.id.desc()).limit(1))
    return last.previous_path if last and last.previous_path else None


def rollback(session: Session, username: str) -> Publication:
    target = rollback_target(session)
    if not target:
        raise PublishError("nothing to roll back to")
    path = Path(target)
    if not path.exists():  # Rasa may report the path relative to its own directory
        path = get_settings().models_dir / path.name
    return publish(session, str(path), username, action="rollback")

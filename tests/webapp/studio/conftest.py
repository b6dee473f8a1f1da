"""Fixtures of the studio tests: a temp copy of the Rasa project (config, domain, data, a
shortened copy of the NLU test set), the studio's environment pointed at it (web app
database in the temp dir, Redis database 9), a real Rasa server with the event broker on
a free port serving the current model, the web app in a thread, and headless Chromium."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import redis
import yaml

from tests.support.redis_db import redis_url_for
from tests.support.webapp_server import webapp_in_thread

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("STUDIO_TEST_REDIS_URL") or redis_url_for(9)
STUDIO_TEST_EPOCHS = 30
TEST_EXAMPLES_PER_INTENT = 3  # the evaluation's mechanics, not the model's quality, are tested
MAINTAINER = ("studio-maint", "maint-pass-123")
REVIEWER = ("studio-review", "review-pass-123")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _short_test_set(source: Path, target: Path) -> None:
    blocks = yaml.safe_load(source.read_text("utf-8"))["nlu"]
    lines = ['version: "3.1"', "nlu:"]
    for block in blocks:
        examples = [e for e in block["examples"].splitlines() if e.startswith("- ")]
        lines += [f"- intent: {block['intent']}", "  examples: |"]
        lines += [f"    {e}" for e in examples[:TEST_EXAMPLES_PER_INTENT]]
    target.write_text("\n".join(lines) + "\n", "utf-8")


def _shorten_training(config: Path) -> None:
    """Fewer epochs in the temp project: the test proves the loop (annotate, train, publish,
    classify) works, not the model's quality, which `make test` measures on the real
    config. Enough epochs remain for the model to learn its own training examples."""
    data = yaml.safe_load(config.read_text("utf-8"))
    for component in data["pipeline"] + data["policies"]:
        if "epochs" in component:
            component["epochs"] = min(component["epochs"], STUDIO_TEST_EPOCHS)
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")


def _base_model(models_dir: Path) -> Path:
    given = os.environ.get("CLAIMS_TEST_MODEL") or os.environ.get("STUDIO_TEST_MODEL")
    found = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if given:
        source = Path(given)
    elif found:
        source = found[-1]
    else:  # no model yet: train the project's (cached by fingerprint like `make train`)
        out = subprocess.run([str(ROOT / ".venv/rasa/bin/python"), "scripts/train_if_needed.py",
                              "--print-path"], cwd=ROOT, check=True, text=True,
                             stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(ROOT),
                                  "RASA_TELEMETRY_ENABLED": "false"})
        source = Path(out.stdout.strip().splitlines()[-1])
    target = models_dir / "live-before.tar.gz"
    shutil.copy2(source, target)
    return target


@pytest.fixture(scope="package")
def project(tmp_path_factory) -> Iterator[Path]:
    """The temp project and the studio's environment; the repo's files stay untouched."""
    base = tmp_path_factory.mktemp("studio")
    proj = base / "project"
    (proj / "tests" / "nlu").mkdir(parents=True)
    for name in ("config.yml", "domain", "data"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, proj / name)
    (proj / "bot").symlink_to(ROOT / "bot")  # config.yml reads bot/nlu/dictionary
    _shorten_training(proj / "config.yml")
    _short_test_set(ROOT / "tests/nlu/test_nlu.yml", proj / "tests/nlu/test_nlu.yml")
    (proj / "models").mkdir()
    env = {"STUDIO_PROJECT_DIR": str(proj), "STUDIO_MODELS_DIR": str(proj / "models"),
           "STUDIO_RESULTS_DIR": str(base / "results"), "REDIS_URL": REDIS_URL,
           "WEBAPP_DATABASE_URL": f"sqlite:///{base / 'webapp.db'}",
           "STUDIO_CONFIDENCE_THRESHOLD": "0.6", "STUDIO_SECRET_KEY": "studio-test-secret"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    from webapp import db
    db.reset_caches()
    client = redis.Redis.from_url(REDIS_URL)
    client.delete("rasa:events", *client.keys("studio:*"))
    client.close()
    from webapp.studio.db import init_studio_db, new_session
    from webapp.studio import auth
    init_studio_db()
    with new_session() as session:
        auth.create_user(session=session, username=MAINTAINER[0], password=MAINTAINER[1],
                         role="maintainer")
        auth.create_user(session=session, username=REVIEWER[0], password=REVIEWER[1],
                         role="reviewer")
    yield proj
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    db.reset_caches()


@pytest.fixture(scope="package")
def rasa_server(project: Path) -> Iterator[str]:
    """`rasa run --enable-api` on a free port, events to the Redis stream of database 9."""
    model = _base_model(project / "models")
    port = free_port()
    work = project.parent
    (work / "endpoints.yml").write_text(
        "event_broker:\n  type: bot.event_broker.RedisStreamEventBroker\n"
        f"  url: {REDIS_URL}\n", "utf-8")
    (work / "credentials.yml").write_text("rest:\n", "utf-8")
    log = open(work / "rasa.log", "w")
    process = subprocess.Popen(
        [str(ROOT / ".venv/rasa/bin/rasa"), "run", "--enable-api", "-m", str(model), "--port",
         str(port), "--endpoints", str(work / "endpoints.yml"), "--credentials",
         str(work / "credentials.yml")],
        cwd=project, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 600
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("rasa exited:\n" + (work / "rasa.log").read_text()[-3000:])
        try:
            if httpx.get(f"{url}/status", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(2)
    else:
        process.kill()
        raise RuntimeError("rasa did not start:\n" + (work / "rasa.log").read_text()[-3000:])
    os.environ["RASA_URL"] = url
    yield url
    os.environ.pop("RASA_URL", None)
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def say(rasa_url: str, sender: str, text: str) -> list:
    response = httpx.post(f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                          timeout=120)
    response.raise_for_status()
    return response.json()


def parse(rasa_url: str, text: str) -> dict:
    response = httpx.post(f"{rasa_url}/model/parse", json={"text": text}, timeout=120)
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="package")
def webapp_url(project: Path) -> Iterator[str]:
    with webapp_in_thread() as url:
        yield url

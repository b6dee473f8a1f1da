"""The app as a process: `python -m claims_api` serves on CLAIMS_API_PORT, startup migrates
and loads the demo data, and nothing personal reaches the logs."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from claims_api.core.config import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_python_m_claims_api_serves_health_and_demo_data(tmp_path: Path, redis_url: str) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "REDIS_URL": redis_url,
        "CLAIMS_API_PORT": str(port),
        "APP_ENV": "development",
    }
    env.pop("CLAIMS_API_TOKEN", None)
    env.pop("STAFF_API_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "claims_api"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"claims_api did not start:\n{out}")
            time.sleep(0.2)
        response = httpx.get(
            f"http://127.0.0.1:{port}/policies/PDAA202603010000001234",
            headers={"Authorization": "Bearer demo-bot-token"},
        )
        assert response.status_code == 200 and response.json()["insured_name"] == "王*国"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_production_refuses_to_start_with_demo_tokens(tmp_path: Path) -> None:
    env = {**os.environ, "APP_ENV": "production", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    env.pop("CLAIMS_API_TOKEN", None)
    env.pop("STAFF_API_TOKEN", None)
    result = subprocess.run([sys.executable, "-c", "import claims_api.main"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "demo default" in result.stderr


def test_startup_without_demo_data(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from claims_api.main import create_app

    app = create_app(settings.model_copy(update={"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "LOAD_DEMO_DATA": False}))
    with TestClient(app) as client:
        response = client.get("/policies/PDAA202603010000001234", headers={"Authorization": f"Bearer {settings.CLAIMS_API_TOKEN}"})
        assert response.status_code == 404
        assert client.get("/healthz").status_code == 200


def test_logs_hold_no_personal_data(
    client: TestClient, bot_headers: dict[str, str], staff_headers: dict[str, str],
    file_claim: Callable[..., str], move, caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    with caplog.at_level(logging.DEBUG, logger="claims_api"):
        report_no = file_claim(contact_phone="13700001111")
        move(report_no, "accepted")
        client.post("/claims/status-lookup", json={"report_no": report_no, "phone_last4": "9999"}, headers=bot_headers)
        client.post("/policies/PDAA202603010000001234/identity-check",
                    json={"insured_name": "王建国", "id_number": "110105198003071234"}, headers=bot_headers)
        client.post("/complaints", json={"conversation_id": "c", "summary": "投诉", "contact_phone": "13700001111"}, headers=bot_headers)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert report_no in text  # the log is there ...
    for secret in ("13700001111", "13812345678", "王建国", "110105198003071234"):
        assert secret not in text  # ... without personal data

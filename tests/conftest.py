"""Fixtures every test package may use.

`browser`: one headless Debian chromium driven by Playwright for the whole test session.
Playwright's sync API runs one event loop per thread, so a second `sync_playwright()`
while the first is open fails ("using Playwright Sync API inside the asyncio loop"): the
web chat, studio and agent console tests therefore share this one.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make system-deps` installs Debian's")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is in the svc env")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              headless=True)
        yield launched
        launched.close()

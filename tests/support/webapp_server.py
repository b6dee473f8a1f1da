"""The web app served by uvicorn in a thread of the test process, on a free port: browser
tests drive it while the test still reaches the app's state in memory."""
from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Iterator

import httpx


@contextlib.contextmanager
def webapp_in_thread() -> Iterator[str]:
    import uvicorn

    from webapp.main import app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{url}/healthz", timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)

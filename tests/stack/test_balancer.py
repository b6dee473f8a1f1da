"""stack/balancer.py as a process in front of two real HTTP servers."""
from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from typing import Iterator, List, Tuple

import pytest

from stack.processes import Service
from stack.settings import ROOT
from tests.channels.processes import free_port


def named_server(name: str) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def balanced(tmp_path) -> Iterator[Tuple[str, List[http.server.ThreadingHTTPServer], int]]:
    servers = [named_server("one"), named_server("two")]
    dead_port = free_port()  # nothing listens here
    port = free_port()
    command = [sys.executable, "-m", "stack.balancer", "--listen", f"127.0.0.1:{port}"]
    for backend_port in [servers[0].server_address[1], dead_port, servers[1].server_address[1]]:
        command += ["--backend", f"127.0.0.1:{backend_port}"]
    service = Service("balancer", command, health_url=f"http://127.0.0.1:{port}/", cwd=ROOT,
                      startup_timeout=30)
    service.start({"PYTHONPATH": str(ROOT)}, tmp_path)
    service.wait_healthy()
    yield f"http://127.0.0.1:{port}", servers, service
    service.stop()
    for server in servers:
        server.shutdown()


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_round_robin_skips_a_backend_that_refuses(balanced):
    url, _, _ = balanced
    answers = [get(url) for _ in range(6)]
    assert sorted(set(answers)) == ["one", "two"]
    assert all(a != b for a, b in zip(answers, answers[1:])), answers  # alternating


def test_every_backend_down_answers_503(balanced):
    url, servers, _ = balanced
    for server in servers:
        server.shutdown()
        server.server_close()
    with pytest.raises(urllib.error.HTTPError) as error:
        get(url)
    assert error.value.code == 503


def test_refuses_a_malformed_address():
    result = subprocess.run([sys.executable, "-m", "stack.balancer", "--listen", "nowhere",
                             "--backend", "127.0.0.1:1"], cwd=ROOT, capture_output=True,
                            text=True, env={"PYTHONPATH": str(ROOT)}, timeout=30)
    assert result.returncode == 2 and "HOST:PORT" in result.stderr

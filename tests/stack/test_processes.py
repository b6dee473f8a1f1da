import sys

import pytest

from stack.processes import Service, Supervisor


def test_supervisor_starts_waits_and_stops_a_real_http_server(tmp_path):
    port = 18765
    service = Service("http", [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                      health_url=f"http://127.0.0.1:{port}/", startup_timeout=20)
    supervisor = Supervisor([service], base_env={"PATH": "/usr/bin:/bin"}, log_dir=tmp_path)
    supervisor.start()
    try:
        assert service.healthy()
    finally:
        supervisor.stop()
    assert not service.running()


def test_service_that_exits_is_reported_with_its_log(tmp_path):
    service = Service("broken", [sys.executable, "-c", "raise SystemExit(3)"],
                      health_url="http://127.0.0.1:1/", startup_timeout=10)
    with pytest.raises(RuntimeError, match="broken exited with 3"):
        Supervisor([service], base_env={}, log_dir=tmp_path).start()

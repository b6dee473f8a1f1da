"""A small process supervisor: start services, wait until healthy, stop them all.

Each service runs in its own process group so that Ctrl-C (or a test teardown) stops the
service and every child it spawned.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence


@dataclass
class Service:
    name: str
    command: Sequence[str]
    health_url: Optional[str] = None
    env: Dict[str, str] = field(default_factory=dict)
    cwd: Optional[Path] = None
    startup_timeout: float = 120.0
    process: Optional[subprocess.Popen] = None
    log_path: Optional[Path] = None

    def start(self, base_env: Dict[str, str], log_dir: Optional[Path]) -> None:
        env = {**base_env, **self.env}
        stdout = None
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)
            self.log_path = log_dir / f"{self.name}.log"
            stdout = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            list(self.command), env=env, cwd=self.cwd, stdout=stdout,
            stderr=subprocess.STDOUT if stdout else None, start_new_session=True,
        )

    def healthy(self) -> bool:
        if self.health_url is None:
            return self.running()
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return 200 <= response.status < 300
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}"
                                   f"{f'; see {self.log_path}' if self.log_path else ''}")
            if self.healthy():
                return
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not become healthy within "
                           f"{self.startup_timeout:.0f} s ({self.health_url})")

    def stop(self, timeout: float = 15.0) -> None:
        if not self.running():
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass


class Supervisor:
    """Starts services in order (each waits for the previous to be healthy)."""

    def __init__(self, services: List[Service], base_env: Dict[str, str],
                 log_dir: Optional[Path] = None) -> None:
        self.services = services
        self.base_env = base_env
        self.log_dir = log_dir

    def start(self, parallel: bool = True) -> None:
        try:
            if parallel:
                for service in self.services:
                    service.start(self.base_env, self.log_dir)
                for service in self.services:
                    service.wait_healthy()
            else:
                for service in self.services:
                    service.start(self.base_env, self.log_dir)
                    service.wait_healthy()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def get(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def first_exited(self) -> Optional[Service]:
        return next((s for s in self.services if not s.running()), None)

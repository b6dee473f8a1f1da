"""Background jobs (training, evaluation) with progress, one of each kind at a time.

Training is also serialised across processes by a Redis lock (`studio:lock:train`), so two
web app instances or the CLI never train at once.
"""
from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import redis

from webapp.studio.inbox import redis_client

LOCK_TTL = 3 * 3600


class Busy(RuntimeError):
    pass


@dataclass
class Job:
    kind: str
    started_by: str
    state: str = "running"  # running / done / failed
    progress: float = 0.0
    stage: str = "starting"
    log: List[str] = field(default_factory=list)
    result: Optional[dict] = None
    error: Optional[str] = None
    started_at: float = field(default_factory=time.time)
    finished_at: Optional[float] = None

    def note(self, line: str) -> None:
        self.log.append(line)
        del self.log[:-200]

    def public(self) -> dict:
        return {"kind": self.kind, "state": self.state, "progress": round(self.progress, 3),
                "stage": self.stage, "started_by": self.started_by, "error": self.error,
                "result": self.result, "log_tail": self.log[-15:],
                "elapsed_seconds": round((self.finished_at or time.time()) - self.started_at, 1)}


_jobs: Dict[str, Job] = {}
_guard = threading.Lock()


def current(kind: str) -> Optional[Job]:
    return _jobs.get(kind)


def start(kind: str, username: str, work: Callable[[Job], dict], redis_lock: bool = False) -> Job:
    """Runs work(job) in a thread; raises Busy while a job of that kind runs."""
    lock = None
    with _guard:
        running = _jobs.get(kind)
        if running and running.state == "running":
            raise Busy(f"a {kind} job is already running")
        if redis_lock:
            lock = redis_client().lock(f"studio:lock:{kind}", timeout=LOCK_TTL, blocking=False,
                                      thread_local=False)  # released by the job thread
            if not lock.acquire(blocking=False):
                raise Busy(f"a {kind} job is already running elsewhere")
        job = Job(kind=kind, started_by=username)
        _jobs[kind] = job

    def run() -> None:
        try:
            job.result = work(job)
            job.progress, job.state, job.stage = 1.0, "done", "done"
        except Exception as error:  # noqa: BLE001 - shown to the user
            job.state, job.error = "failed", str(error) or error.__class__.__name__
            job.note(traceback.format_exc())
        finally:
            job.finished_at = time.time()
            if lock is not None:
                try:
                    lock.release()
                except redis.exceptions.LockError:
                    pass

    threading.Thread(target=run, name=f"studio-{kind}", daemon=True).start()
    return job


def wait(kind: str, timeout: float) -> Optional[Job]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = _jobs.get(kind)
        if job is None or job.state != "running":
            return job
        time.sleep(0.5)
    return _jobs.get(kind)

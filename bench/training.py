"""Training time, and which component takes it (from Rasa's own training log)."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional

from stack.settings import ROOT

_HOOK = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) INFO\s+rasa\.engine\.training\.hooks\s+-\s+"
                   r"(Starting to train|Finished training) component '([^']+)'")


def component_seconds(log: str) -> List[Dict[str, object]]:
    """Seconds per trained component, slowest first (a component trained twice, such as
    two CountVectorsFeaturizers, is summed)."""
    started: Dict[str, dt.datetime] = {}
    totals: Dict[str, float] = {}
    for stamp, what, name in _HOOK.findall(log):
        moment = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")
        if what.startswith("Starting"):
            started[name] = moment
        elif name in started:
            totals[name] = totals.get(name, 0.0) + (moment - started.pop(name)).total_seconds()
    return [{"component": n, "seconds": s} for n, s in sorted(totals.items(), key=lambda i: -i[1])]


def measure_training(workdir: Path) -> Dict[str, object]:
    """`rasa train` from scratch (no cache) into `workdir`; total and per-component time."""
    log_path = workdir / "logs" / "training.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    with open(log_path, "wb") as log:
        subprocess.run([str(ROOT / ".venv/rasa/bin/rasa"), "train", "--domain", "domain",
                        "--out", str(workdir / "models"), "--fixed-model-name", "bench"],
                       cwd=ROOT, check=True, stdout=log, stderr=subprocess.STDOUT,
                       env={**os.environ, "PYTHONPATH": str(ROOT),
                            # an empty training cache: every component is trained
                            "RASA_CACHE_DIRECTORY": str(workdir / "rasa-cache")})
    seconds = round(time.time() - started, 1)
    return {"seconds": seconds,
            "components": component_seconds(log_path.read_text("utf-8", "replace"))}


def recorded_training(model: Path) -> Optional[Dict[str, object]]:
    """What `make train` (scripts/train_if_needed.py) recorded when it trained this model
    from scratch; None when it was not recorded."""
    import json

    record = model.with_name(model.name[: -len(".tar.gz")] + ".training.json")
    if not record.exists():
        return None
    data = json.loads(record.read_text("utf-8"))
    data["source"] = f"recorded by `make train` when it trained {model.name}"
    return data

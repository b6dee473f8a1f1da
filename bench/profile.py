"""Where a Rasa turn spends its time: the Rasa server under cProfile for a load run.

Used when a latency or throughput target is missed. The server runs as
`python -m cProfile -o FILE -m rasa run …` (a single process: Sanic with one worker), the
same scripted conversations are sent, the server is stopped with SIGTERM (cProfile writes
its file on a normal exit), and the profile is summed by package: TensorFlow (DIET, TED,
ResponseSelector inference), Rasa NLU featurizers, jieba, the tracker store and Redis, the
HTTP client calling the action server, and the rest. Profiling slows Python code, so the
shares, not the absolute seconds, are what to read.
"""
from __future__ import annotations

import pstats
from pathlib import Path
from typing import Dict, List, Tuple

# First match wins: (label, module path prefixes as they appear in pstats file names).
GROUPS: List[Tuple[str, Tuple[str, ...]]] = [
    ("TensorFlow / Keras (model inference)", ("tensorflow/", "keras/", "tf_keras/", "tensorflow.")),
    ("JSON schema validation of action server answers (Rasa)", ("jsonschema/",)),
    ("event class lookup (Rasa's all_subclasses, inspect)", ("rasa/shared/utils/common.py",
                                                             "inspect.py")),
    ("jieba tokenizer", ("jieba/",)),
    ("Rasa NLU featurizers and components", ("rasa/nlu/",)),
    ("this project's NLU components (bot/)", ("/bot/",)),
    ("Rasa policies (TED, rules, memoization)", ("rasa/core/policies/",)),
    ("tracker (de)serialisation and featurisation", ("rasa/shared/core/", "rasa/core/featurizers/",
                                                     "rasa/utils/tensorflow/", "rasa/shared/nlu/")),
    ("tracker store and lock store (Redis)", ("rasa/core/tracker_store", "rasa/core/lock_store",
                                             "redis/")),
    ("action server calls (aiohttp)", ("aiohttp/", "rasa/core/actions/", "rasa/utils/endpoints")),
    ("event broker", ("rasa/core/brokers/",)),
    ("Rasa engine and processor", ("rasa/engine/", "rasa/core/processor", "rasa/core/agent")),
    ("HTTP server (Sanic)", ("sanic/", "httptools", "uvloop")),
    ("scientific Python (numpy, scipy, sklearn)", ("numpy/", "scipy/", "sklearn/")),
]
OTHER = "other (standard library, asyncio, logging …)"


def group_of(filename: str) -> str:
    for label, prefixes in GROUPS:
        if any(prefix in filename for prefix in prefixes):
            return label
    return OTHER


def summarise(profile_file: Path, top: int = 12) -> Dict[str, object]:
    """Own time (tottime) summed by group, and the heaviest functions."""
    stats = pstats.Stats(str(profile_file))
    by_group: Dict[str, float] = {}
    functions = []
    total = 0.0
    for (filename, line, name), (_, _, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        if name in ("<method 'poll' of 'select.epoll' objects>", "<built-in method select.epoll.poll>") \
                or "epoll" in name or name == "<method 'control' of 'select.kqueue' objects>":
            continue  # waiting for I/O is idle time, not work
        total += tottime
        group = group_of(f"{filename} {name}")  # built-ins carry their module in the name
        by_group[group] = by_group.get(group, 0.0) + tottime
        functions.append((tottime, f"{_short(filename)}:{line} {name}", group))
    functions.sort(reverse=True)
    return {
        "busy_seconds": round(total, 2),
        "groups": [{"group": g, "seconds": round(s, 2), "share": round(s / total, 3) if total else 0}
                   for g, s in sorted(by_group.items(), key=lambda item: -item[1])],
        "top_functions": [{"function": f, "group": g, "seconds": round(t, 2)}
                          for t, f, g in functions[:top]],
    }


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename.rsplit("/", 2)[-1] if "/" in filename else filename


def markdown(summary: Dict[str, object], what: str) -> List[str]:
    lines = ["## Where the time goes (profile)", "",
             f"The Rasa server under cProfile while serving {what}; busy (non-idle) time "
             f"{summary['busy_seconds']} s, summed by package (own time).", "",
             "| part | seconds | share |", "|---|---|---|"]
    for row in summary["groups"]:  # type: ignore[union-attr]
        lines.append(f"| {row['group']} | {row['seconds']} | {row['share']:.0%} |")
    lines += ["", "Heaviest functions (own time):", "", "| function | part | seconds |", "|---|---|---|"]
    for row in summary["top_functions"]:  # type: ignore[union-attr]
        lines.append(f"| `{row['function']}` | {row['group']} | {row['seconds']} |")
    return lines + [""]

"""Runs Rasa commands of the project as subprocesses (Rasa lives in its own environment)."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import List, Optional

from webapp.studio.settings import ROOT, get_settings


def rasa_env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}


def command(*args: str) -> List[str]:
    return [str(get_settings().rasa), *args]


def popen(args: List[str], cwd: Optional[Path] = None) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=cwd or get_settings().project_dir, env=rasa_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            encoding="utf-8", errors="replace", bufsize=1)


def run(args: List[str], timeout: float = 1800) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=get_settings().project_dir, env=rasa_env(), text=True,
                          encoding="utf-8", errors="replace", stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout)


_PROBLEM = re.compile(r"(UserWarning|ERROR|Error|error:|InvalidDomain|YamlSyntaxException)")
_NOISE = re.compile(r"(tensorflow|DeprecationWarning|SQLAlchemy|np\.bool|sanic|CUDA|cuda)")
# Responses uttered by custom actions are never in stories or rules: not a problem here.
_EXPECTED = re.compile(r"The utterance '[^']+' is not used in any story or rule")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def validate() -> dict:
    """`rasa data validate` of the project: {"ok": bool, "problems": [str], "output": str}."""
    result = run(command("data", "validate", "--domain", "domain", "--data", "data",
                         "--config", "config.yml"), timeout=600)
    lines = _ANSI.sub("", result.stdout).splitlines()
    problems = []
    for i, line in enumerate(lines):
        if _PROBLEM.search(line) and not _NOISE.search(line):
            text = line.split("UserWarning:", 1)[-1].strip()
            # Rasa's warnings continue on the following indented lines.
            j = i + 1
            while j < len(lines) and lines[j].startswith("  ") and not _PROBLEM.search(lines[j]):
                text += " " + lines[j].strip()
                j += 1
            if not _EXPECTED.search(text):
                problems.append(text[:500])
    return {"ok": result.returncode == 0, "problems": problems, "output": "\n".join(lines[-40:])}

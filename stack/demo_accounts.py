"""Demo staff accounts for `make run`, so the agent console and the studio can be tried at
once. Created only when missing and never in production (APP_ENV=production), where
accounts are made with the CLIs named below."""
from __future__ import annotations

import subprocess
from typing import Dict, List, Tuple

from stack.settings import ROOT

SVC_PYTHON = str(ROOT / ".venv" / "svc" / "bin" / "python")

# (what, command) — the same CLIs staff use: python -m webapp.agent.cli / webapp.studio.cli
DEMO_ACCOUNTS: List[Tuple[str, List[str]]] = [
    ("agent console: agent / agent-demo-123",
     ["-m", "webapp.agent.cli", "create-agent", "--username", "agent", "--password",
      "agent-demo-123", "--name", "客服小李", "--if-missing"]),
    ("studio maintainer: studio / studio-demo-123",
     ["-m", "webapp.studio.cli", "create-user", "--username", "studio", "--password",
      "studio-demo-123", "--role", "maintainer", "--if-missing"]),
    ("studio reviewer: reviewer / reviewer-demo-123",
     ["-m", "webapp.studio.cli", "create-user", "--username", "reviewer", "--password",
      "reviewer-demo-123", "--role", "reviewer", "--if-missing"]),
]


def create_demo_accounts(env: Dict[str, str]) -> List[str]:
    """Creates the demo accounts that are missing; returns the lines to print."""
    if env.get("APP_ENV") == "production":
        return []
    lines = []
    for label, args in DEMO_ACCOUNTS:
        result = subprocess.run([SVC_PYTHON, *args], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"creating the demo account ({label}) failed: "
                               f"{(result.stderr or result.stdout).strip()[-500:]}")
        lines.append(label)
    return lines

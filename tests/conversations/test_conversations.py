"""Black-box: scripted customers talk to the running bot over REST; the Claims API must end
up holding exactly the expected claims. Pass rate must be at least 95 %.

The stack is the `live_stack` fixture (conftest.py): a running one from RASA_URL +
CLAIMS_API_URL, or our own. Writes results/conversations/report.json.
"""
from __future__ import annotations

import json
from pathlib import Path

from tests.conversations import runner

ROOT = Path(__file__).resolve().parents[2]
MIN_PASS_RATE = 0.95


def test_black_box_customers(live_stack):
    report = runner.run_all(live_stack.rasa_url, live_stack.claims_url)
    out = ROOT / "results" / "conversations"
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print("\n" + runner.summary(report))
    assert report["customers"] >= 20
    assert report["pass_rate"] >= MIN_PASS_RATE, runner.summary(report)

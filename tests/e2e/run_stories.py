"""Runs the end-to-end test stories of report intake against a trained model.

    python -m tests.e2e.run_stories MODEL

1. `rasa test core` on tests/e2e/test_stories.yml: every bot action of every story must be
   predicted (results in results/e2e/).
2. Every customer message of the stories is parsed by the model's NLU: it must get the
   intent the story gives it (entities are the form's business: values such as times
   depend on the day, so they are checked by the action and black-box tests instead).
Exit status 0 only if both pass.
"""
from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
STORIES = ROOT / "tests" / "e2e" / "test_stories.yml"
OUT = ROOT / "results" / "e2e"
RASA = ROOT / ".venv" / "rasa" / "bin" / "rasa"


def user_turns() -> List[Tuple[str, str, str]]:
    stories = yaml.safe_load(STORIES.read_text(encoding="utf-8"))["stories"]
    return [(story["story"], _plain(step["user"]), step["intent"])
            for story in stories for step in story["steps"] if "user" in step]


def _plain(text: str) -> str:
    """The message without entity annotations: [建国路](incident_place) → 建国路."""
    return re.sub(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}", lambda m: m.group(1) or m.group(2),
                  text).strip()


def check_dialogue(model: str) -> List[str]:
    OUT.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [str(RASA), "test", "core", "--stories", str(STORIES), "--model", model, "--out", str(OUT),
         "--no-plot", "--quiet"], cwd=ROOT, capture_output=True, text=True)
    failed = OUT / "failed_test_stories.yml"
    if result.returncode != 0 or not failed.exists():
        return [f"rasa test core failed ({result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}"]
    text = failed.read_text(encoding="utf-8")
    if "story:" in text:
        return [f"dialogue predictions failed, see {failed}:\n{text[:4000]}"]
    return []


def check_intents(model: str) -> Tuple[List[str], List[str]]:
    """Intent mismatches: (problems, tolerated). A number typed as an answer is an answer
    to the form whatever intent it gets (bot.intake.looks_like_data): tolerated, listed."""
    from rasa.core.agent import Agent

    from bot.intake import Message, looks_like_data

    agent = Agent.load(model)
    problems, tolerated = [], []
    for story, text, intent in user_turns():
        parsed = asyncio.run(agent.parse_message(text))
        got = parsed["intent"]["name"]
        if got != intent:
            line = f"[{story}] {text!r}: intent {got} ({parsed['intent']['confidence']:.2f}), expected {intent}"
            if intent == "inform" and looks_like_data(Message(text, got, parsed.get("entities") or [])):
                tolerated.append(line)
            else:
                problems.append(line)
    return problems, tolerated


def main(argv: List[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    model = argv[0]
    problems = check_dialogue(model)
    intent_problems, tolerated = check_intents(model)
    problems += intent_problems
    turns = len(user_turns())
    for line in tolerated:
        print(f"note (answer read as another intent, taken as an answer by the form): {line}")
    if problems:
        print("\n".join(problems))
        print(f"e2e stories: FAILED ({len(problems)} problems, {turns} customer turns)")
        return 1
    print(f"e2e stories: all dialogue predictions and all {turns} customer intents correct")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

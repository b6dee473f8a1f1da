"""Sanity checks of the NLU data: the held-out test set shares no sentence with the
training data, and every intent / sub-intent of the contract is covered.

Runs as a script (`python tests/nlu/check_overlap.py`, exit 1 on failure) or under pytest.
Needs only PyYAML; uses OpenCC (when installed) so that a traditional-script copy of a
training sentence also counts as an overlap.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
TRAIN_DIR = ROOT / "data" / "nlu"
TEST_FILE = ROOT / "tests" / "nlu" / "test_nlu.yml"

INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "report_claim", "ask_materials",
    "ask_process", "query_status", "request_human", "complain", "inform", "stop",
    "bot_challenge", "out_of_scope",
}
ASK_PROCESS_TOPICS = {
    "overview", "timeline", "payout_method", "fast_track", "rejection_appeal",
    "report_deadline", "online",
}

try:  # optional: fold traditional characters into simplified before comparing
    import opencc

    _t2s = opencc.OpenCC("t2s").convert
except Exception:  # pragma: no cover - OpenCC not installed in this environment
    _t2s = lambda text: text  # noqa: E731

_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_NOISE = re.compile(r"[\s，。！？!?,.~～、…：:；;\"'“”]+")


def _examples(path: Path) -> List[Tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = []
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((block["intent"], _ANNOTATION.sub(r"\1", line[2:].strip())))
    return pairs


def normalise(text: str) -> str:
    return _NOISE.sub("", _t2s(text).lower())


def training_examples() -> List[Tuple[str, str]]:
    pairs = []
    for path in sorted(TRAIN_DIR.glob("*.yml")):
        pairs.extend(_examples(path))
    return pairs


def overlaps() -> List[str]:
    train = {normalise(text) for _, text in training_examples()}
    return [text for _, text in _examples(TEST_FILE) if normalise(text) in train]


def coverage(pairs: List[Tuple[str, str]]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for intent, _ in pairs:
        counts[intent] = counts.get(intent, 0) + 1
    return counts


def missing(pairs: List[Tuple[str, str]]) -> List[str]:
    counts = coverage(pairs)
    base = {name.split("/")[0] for name in counts}
    topics = {name.split("/", 1)[1] for name in counts if name.startswith("ask_process/")}
    return sorted(INTENTS - base) + sorted(f"ask_process/{t}" for t in ASK_PROCESS_TOPICS - topics)


def test_no_test_sentence_in_training_data():
    assert overlaps() == []


def test_training_data_covers_every_intent():
    assert missing(training_examples()) == []


def test_test_set_covers_every_intent():
    assert missing(_examples(TEST_FILE)) == []


if __name__ == "__main__":
    problems = 0
    for text in overlaps():
        print(f"in both training and test data: {text}")
        problems += 1
    for label, pairs in (("training", training_examples()), ("test", _examples(TEST_FILE))):
        for name in missing(pairs):
            print(f"{label} data lacks {name}")
            problems += 1
        print(f"{label}: {len(pairs)} examples", coverage(pairs))
    sys.exit(1 if problems else 0)

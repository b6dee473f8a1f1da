"""The bot's texts as the domain defines them (domain/*.yml), for matching what customers
receive: one source of truth, never retyped in the tests."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import yaml

ROOT = Path(__file__).resolve().parents[2]


@lru_cache
def responses() -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = {}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        for name, variants in (data.get("responses") or {}).items():
            found.setdefault(name, []).extend(v.get("text", "") for v in variants)
    return found


def pattern(name: str) -> "re.Pattern[str]":
    """Matches any variation of a response, {placeholders} matching anything."""
    options = []
    for text in responses()[name]:
        parts = re.split(r"\{[a-z_]+\}", text)
        options.append(".*?".join(re.escape(p) for p in parts))
    return re.compile("^(?:" + "|".join(options) + ")$", re.S)


def is_(name: str, text: str) -> bool:
    return bool(pattern(name).match(text or ""))


def first(name: str, texts: List[str]) -> int:
    """Index of the first text that is a variation of response `name` (ValueError if none)."""
    for index, text in enumerate(texts):
        if is_(name, text):
            return index
    raise ValueError(f"no {name} among {texts}")

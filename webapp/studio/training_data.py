"""Writes accepted examples into the project's NLU training data (data/nlu/*.yml).

The files are edited as text, not re-dumped, so comments and layout stay and a change is
one added line in `git diff`. An example goes to the end of its intent's `examples: |`
block (existing order is kept); an example already present (same text once entity marks
are removed, compared after normalisation) is not added again. A new intent gets its own
file `data/nlu/<intent>.yml` and its name in the domain's `intents:` list (domain/core.yml).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from webapp.studio.inbox import normalise
from webapp.studio.settings import get_settings

INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(/[a-z0-9_]+)?$")
_ENTITY_MARK = re.compile(r"\[([^\]]+)\]\((?:[^)]+)\)|\[([^\]]+)\]\{[^}]*\}")
DOMAIN_INTENTS_FILE = "domain/core.yml"
VERSION = '"3.1"'


class TrainingDataError(ValueError):
    pass


@dataclass
class Entity:
    start: int
    end: int
    entity: str


def nlu_dir() -> Path:
    return get_settings().project_dir / "data" / "nlu"


def plain(example: str) -> str:
    return _ENTITY_MARK.sub(lambda m: m.group(1) or m.group(2), example)


def intents() -> Dict[str, Path]:
    """Every intent of the training data and the file that holds it."""
    found: Dict[str, Path] = {}
    for path in sorted(nlu_dir().glob("*.yml")):
        for match in re.finditer(r"^- intent: *([^\s#]+)", path.read_text("utf-8"), re.M):
            found.setdefault(match.group(1), path)
    return found


def domain_entities() -> List[str]:
    names: List[str] = []
    for path in sorted((get_settings().project_dir / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        for entity in data.get("entities") or []:
            name = entity if isinstance(entity, str) else next(iter(entity))
            if name not in names:
                names.append(name)
    return names


def examples_of(intent: str) -> List[str]:
    path = intents().get(intent)
    if path is None:
        return []
    for block in (yaml.safe_load(path.read_text("utf-8")) or {}).get("nlu") or []:
        if block.get("intent") == intent:
            return [line[2:].strip() for line in (block.get("examples") or "").splitlines()
                    if line.startswith("- ")]
    return []


def annotate(text: str, entities: List[Entity]) -> str:
    """The example in Rasa's format: `[span](entity)` around each marked span."""
    text = " ".join(text.split())  # one line
    known = set(domain_entities())
    out, cursor = [], 0
    for ent in sorted(entities, key=lambda e: e.start):
        if ent.entity not in known:
            raise TrainingDataError(f"unknown entity {ent.entity!r}")
        if not (cursor <= ent.start < ent.end <= len(text)):
            raise TrainingDataError("entity spans overlap or fall outside the text")
        span = text[ent.start:ent.end]
        if any(c in span for c in "[]()"):
            raise TrainingDataError("an entity span may not contain brackets")
        out += [text[cursor:ent.start], f"[{span}]({ent.entity})"]
        cursor = ent.end
    out.append(text[cursor:])
    return "".join(out)


def add_example(intent: str, text: str, entities: Optional[List[Entity]] = None,
                create: bool = False) -> bool:
    """Adds the example; False when it was already there. Raises TrainingDataError."""
    if not INTENT_NAME.match(intent):
        raise TrainingDataError("intent names are lower-case letters, digits and _")
    example = annotate(text, entities or [])
    if not example.strip() or example.lstrip().startswith(("/", "#")):
        raise TrainingDataError("empty example")
    known = intents()
    if intent not in known:
        if not create:
            raise TrainingDataError(f"unknown intent {intent!r} (choose 'new intent' to create it)")
        _create_intent(intent, example)
        return True
    if normalise(plain(example)) in {normalise(plain(e)) for e in examples_of(intent)}:
        return False
    path = known[intent]
    lines = path.read_text("utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines)
                 if re.match(rf"^- intent: *{re.escape(intent)}\s*(#.*)?$", line))
    insert_at, indent = None, "    "
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.startswith("- ") or (line.strip() and not line.startswith(" ")):
            break  # the next block
        match = re.match(r"^(\s+)- ", line)
        if match and i > start + 1:
            insert_at, indent = i + 1, match.group(1)
    if insert_at is None:
        raise TrainingDataError(f"cannot find the examples of {intent} in {path.name}")
    if not lines[insert_at - 1].endswith("\n"):
        lines[insert_at - 1] += "\n"
    lines.insert(insert_at, f"{indent}- {example}\n")
    _write_checked(path, "".join(lines), intent, example)
    return True


def _write_checked(path: Path, text: str, intent: str, example: str) -> None:
    data = yaml.safe_load(text)  # never write a file YAML cannot read
    blocks = [b for b in data.get("nlu") or [] if b.get("intent") == intent]
    if not blocks or f"- {example}" not in blocks[0].get("examples", ""):
        raise TrainingDataError("the example would not be read back; not saved")
    path.write_text(text, "utf-8")


def _create_intent(intent: str, example: str) -> None:
    if "/" in intent:
        raise TrainingDataError("new retrieval intents need a response; add them by hand")
    path = nlu_dir() / f"{intent}.yml"
    if path.exists():
        raise TrainingDataError(f"{path.name} exists")
    _add_domain_intent(intent)
    _write_checked(path, f"version: {VERSION}\nnlu:\n- intent: {intent}\n  examples: |\n"
                         f"    - {example}\n", intent, example)


def _add_domain_intent(intent: str) -> None:
    path = get_settings().project_dir / DOMAIN_INTENTS_FILE
    lines = path.read_text("utf-8").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^intents:\s*$", line)), None)
    if start is None:
        raise TrainingDataError(f"no intents list in {DOMAIN_INTENTS_FILE}")
    last = start
    for i in range(start + 1, len(lines)):
        if re.match(r"^\s+- ", lines[i]):
            last = i
        elif lines[i].strip() and not lines[i].startswith((" ", "#")):
            break
    lines.insert(last + 1, f"  - {intent}\n")
    text = "".join(lines)
    if intent not in (yaml.safe_load(text) or {}).get("intents", []):
        raise TrainingDataError("could not add the intent to the domain")
    path.write_text(text, "utf-8")

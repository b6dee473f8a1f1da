"""The assistant's reply texts (`responses:` in domain/*.yml): list, preview, edit.

An edit replaces one variation's `text:` line in place (a one-line diff). It is refused
when the text is empty, uses a `{placeholder}` that is neither a slot of the domain nor
already used by that response (custom actions fill those), or when the file would not
read back with the new text. `rasa data validate` then checks the whole project.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from webapp.studio.settings import get_settings

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ResponseError(ValueError):
    pass


@dataclass
class Response:
    name: str
    file: str
    texts: List[Optional[str]]  # one per variation (None: no text, e.g. a custom payload)


def _domain_files() -> List[Path]:
    return sorted((get_settings().project_dir / "domain").glob("*.yml"))


def slots() -> List[str]:
    names: List[str] = []
    for path in _domain_files():
        names += list(((yaml.safe_load(path.read_text("utf-8")) or {}).get("slots") or {}))
    return names


def all_responses() -> Dict[str, Response]:
    found: Dict[str, Response] = {}
    for path in _domain_files():
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        for name, variations in (data.get("responses") or {}).items():
            found[name] = Response(name, path.name, [v.get("text") if isinstance(v, dict) else None
                                                     for v in variations or []])
    return dict(sorted(found.items()))


def preview(text: str) -> str:
    """The text as a customer sees it, with placeholders shown as ‹slot›."""
    return PLACEHOLDER.sub(lambda m: f"‹{m.group(1)}›", text)


def check(name: str, index: int, text: str) -> Response:
    response = all_responses().get(name)
    if response is None:
        raise ResponseError(f"no response {name!r} in the domain")
    if not 0 <= index < len(response.texts) or response.texts[index] is None:
        raise ResponseError(f"{name} has no text variation {index + 1}")
    if not text.strip() or "\n" in text.strip():
        raise ResponseError("the text must be one non-empty line")
    allowed = set(slots()) | set(PLACEHOLDER.findall(response.texts[index] or ""))
    unknown = sorted(set(PLACEHOLDER.findall(text)) - allowed)
    if unknown:
        raise ResponseError("unknown placeholders (not slots of the domain): "
                            + ", ".join("{" + u + "}" for u in unknown))
    return response


def update(name: str, index: int, text: str) -> Path:
    text = text.strip()
    response = check(name, index, text)
    path = get_settings().project_dir / "domain" / response.file
    lines = path.read_text("utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if re.match(rf"^  {re.escape(name)}:\s*$", line))
    seen = -1
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.strip() and not line.startswith("   ") and not line.lstrip().startswith("#"):
            break
        match = re.match(r"^(\s+-\s+text:\s*)(.*)$", line.rstrip("\n"))
        if match:
            seen += 1
            if seen == index:
                if match.group(2).startswith(("|", ">")):
                    raise ResponseError("multi-line texts are edited in the file")
                lines[i] = match.group(1) + json.dumps(text, ensure_ascii=False) + "\n"
                new = "".join(lines)
                variations = (yaml.safe_load(new).get("responses") or {}).get(name) or []
                if variations[index].get("text") != text:
                    raise ResponseError("the file would not read back; edit it by hand")
                path.write_text(new, "utf-8")
                return path
    raise ResponseError(f"could not find variation {index + 1} of {name} in {response.file}")

"""Material questions, answered from the Claims API's catalogue (GET /materials).

Free of Rasa: the action (actions/materials.py) passes the API's JSON in and utters the
named responses of domain/materials.yml with the text these functions format. Names,
explanations, where to get each item and the ways to hand materials in come only from
the API; the bot adds its understanding of how customers name the items
(bot/resources/material_aliases.yml).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import opencc
import yaml

ALIASES_FILE = Path(__file__).parent / "resources" / "material_aliases.yml"

Checklist = Mapping[str, Any]  # the API's MaterialChecklist
Item = Mapping[str, Any]  # one of its items


@lru_cache(maxsize=1)
def _lexicon() -> Dict[str, Any]:
    with ALIASES_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@lru_cache(maxsize=1)
def _t2s() -> "opencc.OpenCC":
    return opencc.OpenCC("t2s")


def normalise_text(text: str) -> str:
    """Simplified Chinese (OpenCC, as the NLU pipeline), lower-case, without spaces: what
    the word lists are matched on."""
    return "".join(_t2s().convert(text or "").lower().split())


def asks_submission(text: str) -> bool:
    """Whether the message asks how (or whether online) materials are handed in."""
    norm = normalise_text(text)
    return any(cue in norm for cue in _lexicon()["submission"])


def asks_missing(text: str) -> bool:
    """Whether the message asks what is still missing on the customer's own claim."""
    norm = normalise_text(text)
    return any(cue in norm for cue in _lexicon()["missing"])


# --- the claim type -----------------------------------------------------------------------


def pick_claim_type(candidates: Iterable[Optional[str]], catalogue: Sequence[Checklist]) -> Optional[str]:
    """The first candidate that is a claim type of the catalogue (candidates in order of
    preference: this message's entity, the conversation's, the customer's claim…)."""
    known = {c["claim_type"] for c in catalogue}
    for candidate in candidates:
        if candidate in known:
            return candidate
    return None


def checklist_of(claim_type: str, catalogue: Sequence[Checklist]) -> Optional[Checklist]:
    return next((c for c in catalogue if c["claim_type"] == claim_type), None)


def type_choices(catalogue: Sequence[Checklist]) -> List[Tuple[str, str]]:
    """(claim_type, label) of every type, in the API's order, for the "which type?" buttons."""
    return [(c["claim_type"], c["label_zh"]) for c in catalogue]


# --- one item -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemAnswer:
    """The items a message asks about, all from one checklist."""

    checklist: Checklist
    items: Tuple[Item, ...]


def _terms(item: Item) -> List[str]:
    """The item's own name and the words customers use for it, longest first."""
    terms = {item["name"].lower()}
    terms.update(a.lower() for a in _lexicon()["items"].get(item["code"], ()))
    return sorted(terms, key=len, reverse=True)


def _mentions(text: str, catalogue: Sequence[Checklist]) -> List[Tuple[str, str, str]]:
    """(claim_type, item code, term) for every item the message names, by its longest term.

    A term inside a longer term that also matched is not a mention of its own: in
    维修发票 the 发票 of the medical checklist is not meant.
    """
    norm = normalise_text(text)
    found = []
    for checklist in catalogue:
        for item in checklist["items"]:
            term = next((t for t in _terms(item) if t in norm), None)
            if term:
                found.append((checklist["claim_type"], item["code"], term))
    terms = {t for _, _, t in found}
    return [m for m in found if not any(m[2] != t and m[2] in t for t in terms)]


def match_items(text: str, catalogue: Sequence[Checklist],
                claim_type: Optional[str] = None) -> Tuple[Optional[ItemAnswer], bool]:
    """The catalogue items the message asks about: (answer, ambiguous).

    The known claim type decides which checklist answers. Without one, the checklist
    that lists every named item answers (诊断证明 is the same in the injury and the
    medical checklists). When no checklist lists them all (照片 of a car or of a flat?),
    the answer is (None, True): ask for the claim type first.
    """
    mentions = _mentions(text, catalogue)
    if not mentions:
        return None, False
    codes = list(dict.fromkeys(code for _, code, _ in mentions))
    types_of = {code: {t for t, c, _ in mentions if c == code} for code in codes}
    order = [c["claim_type"] for c in catalogue]
    if claim_type in order and any(claim_type in types for types in types_of.values()):
        chosen = claim_type
        codes = [c for c in codes if claim_type in types_of[c]]
    else:
        common = set.intersection(*types_of.values())
        if not common:
            return None, True
        chosen = min(common, key=order.index)
    checklist = checklist_of(chosen, catalogue)
    items = tuple(i for i in checklist["items"] if i["code"] in codes)
    return ItemAnswer(checklist, items), False


# --- formatting ---------------------------------------------------------------------------


def _when(item: Item) -> str:
    return f"（{item['required_when']}需要）" if item.get("required_when") else ""


def format_checklist(checklist: Checklist) -> str:
    """A numbered written checklist: each item, when it is needed, what it is, where to get it."""
    lines = []
    for number, item in enumerate(checklist["items"], start=1):
        lines.append(f"{number}. {item['name']}{_when(item)}")
        lines.append(f"   说明：{item['what']}")
        lines.append(f"   去哪里办：{item['where_to_get']}")
    return "\n".join(lines)


def format_submission(checklist: Checklist) -> str:
    """The ways of handing materials in, numbered."""
    return "\n".join(
        f"{number}. {method['name']}：{method['how']}"
        for number, method in enumerate(checklist["submission_methods"], start=1)
    )


def format_items(answer: ItemAnswer) -> str:
    """The items asked about: what each is, where to get it and when it is needed."""
    blocks = []
    for item in answer.items:
        blocks.append("\n".join([
            f"【{item['name']}】",
            f"是什么：{item['what']}",
            f"去哪里办：{item['where_to_get']}",
            f"什么情况下需要：{item.get('required_when') or '这类案件一般都需要'}",
        ]))
    return "\n\n".join(blocks)


def submission_names(checklist: Checklist) -> str:
    """线上上传、邮寄、柜面递交"""
    return "、".join(m["name"] for m in checklist["submission_methods"])


def find_by_name(name: str, catalogue: Sequence[Checklist],
                 claim_type: Optional[str] = None) -> Optional[Item]:
    """The catalogue item a claim's material name refers to (names as staff record them)."""
    ordered = sorted(catalogue, key=lambda c: c["claim_type"] != claim_type)
    wanted = normalise_text(name)
    for checklist in ordered:
        for item in checklist["items"]:
            if wanted in (normalise_text(item["name"]), item["code"]):
                return item
    for checklist in ordered:  # free-text names staff typed: 维修发票 (原件)
        for item in checklist["items"]:
            if normalise_text(item["name"]) in wanted:
                return item
    return None


def format_missing(names: Sequence[str], catalogue: Sequence[Checklist],
                   claim_type: Optional[str] = None) -> str:
    """Everything still missing, numbered, each with where to get it when the catalogue
    knows the item (staff may also ask for things outside the catalogue)."""
    lines = []
    for number, name in enumerate(names, start=1):
        item = find_by_name(name, catalogue, claim_type)
        if item:
            lines.append(f"{number}. {name}\n   去哪里办：{item['where_to_get']}")
        else:
            lines.append(f"{number}. {name}")
    return "\n".join(lines)

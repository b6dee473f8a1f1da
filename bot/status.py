"""Status queries: reading numbers and verification answers, choosing among claims, and
turning the Claims API's `ClaimStatus` into response variables.

Free of Rasa: actions/status.py is a thin shell over these functions. Stage labels,
explanations, durations and next steps come from the API (the status payload, which
carries the wording of GET /stages); customer-facing sentences are the named responses
of domain/status.yml, chosen here by key.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot import materials, normalize

PHONE_LAST4 = "phone_last4"
ID_LAST6 = "id_last6"

Claim = Mapping[str, Any]  # the API's ClaimStatus
Entities = Iterable[Mapping[str, Any]]

_REPORT_IN_TEXT = re.compile(r"BA[\s\-·•.]*(?:\d[\s\-·•.]*){13}\d", re.IGNORECASE)
_POLICY_IN_TEXT = re.compile(r"P[A-Z]{3}[\s\-·•.]*(?:\d[\s\-·•.]*){17}\d", re.IGNORECASE)
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])", re.IGNORECASE)
_LAST6_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{5}[\dX](?![0-9A-Za-z])", re.IGNORECASE)
_LAST4_IN_TEXT = re.compile(r"(?<!\d)\d{4}(?!\d)")
_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ORDINAL_PREFIXED = re.compile(r"第\s*([1-9一二两三四五六七八九])")
_ORDINAL_COUNTED = re.compile(r"(?<![0-9])([1-9一二两三四五六七八九])\s*(?:个|件|条|单|笔|号)")
_ORDINAL_ALONE = re.compile(r"^\s*([1-9一二两三四五六七八九])\s*[.。、)）]?\s*$")
_LATEST = ("最新", "最近", "刚报", "刚才")


def _entity(entities: Entities, name: str) -> Optional[str]:
    return next((str(e["value"]) for e in entities or () if e.get("entity") == name and e.get("value")), None)


def _clean(text: str) -> str:
    return normalize.to_halfwidth(text or "")


# --- the number and the verification --------------------------------------------------------


def number_kind(number: Optional[str]) -> Optional[str]:
    """`report_no` or `policy_no` (the Claims API's field names), None when neither."""
    if not number:
        return None
    if normalize.normalize_report_number(number):
        return "report_no"
    if normalize.normalize_policy_number(number):
        return "policy_no"
    return None


def parse_number(text: str, entities: Entities = ()) -> Optional[str]:
    """A report or policy number from the NLU entities, else from the text itself."""
    for name in ("report_number", "policy_number"):
        value = _entity(entities, name)
        if value and number_kind(value):
            return normalize.compact(value)
    text = _clean(text)
    for pattern in (_REPORT_IN_TEXT, _POLICY_IN_TEXT):
        found = pattern.search(text)
        if found:
            return normalize.compact(found.group())
    return None


def looks_like_number(text: str) -> bool:
    """Letters and digits that were probably meant as a number, just not a valid one."""
    compact = normalize.compact(_clean(text))
    return bool(re.search(r"[A-Z]{1,4}\d{6,}|\d{8,}", compact))


def parse_verification(text: str, entities: Entities = ()) -> Optional[Tuple[str, str]]:
    """(PHONE_LAST4, '5678') or (ID_LAST6, '07123X') from an answer.

    A full phone number or ID number is cut to the part the Claims API checks; report
    and policy numbers in the same message are not mistaken for digits of either.
    """
    phone = _entity(entities, "phone_number")
    if phone and len(phone) >= 4:
        return PHONE_LAST4, phone[-4:]
    id_number = _entity(entities, "id_number")
    if id_number and len(id_number) >= 6:
        return ID_LAST6, id_number[-6:].upper()
    text = _clean(text)
    text = _POLICY_IN_TEXT.sub(" ", _REPORT_IN_TEXT.sub(" ", text))
    text = re.sub(r"(?<=\d)[\s\-]+(?=\d)", "", text)
    for pattern, kind, size in ((_ID_IN_TEXT, ID_LAST6, 6), (_PHONE_IN_TEXT, PHONE_LAST4, 4)):
        found = pattern.search(text)
        if found:
            return kind, found.group()[-size:].upper()
    last6 = _LAST6_IN_TEXT.search(text)
    last4 = _LAST4_IN_TEXT.search(text)
    if last6 and ("身份证" in text or "身份證" in text or not last4):
        return ID_LAST6, last6.group().upper()
    if last4:
        return PHONE_LAST4, last4.group()
    return None


def lookup_arguments(number: str, verification_kind: str, verification: str) -> Dict[str, str]:
    """Keyword arguments of ClaimsClient.lookup_status."""
    kind = number_kind(number)
    if kind is None or verification_kind not in (PHONE_LAST4, ID_LAST6):
        raise ValueError("a report or policy number and a verification are needed")
    return {kind: normalize.compact(number), verification_kind: verification}


def lock_minutes(retry_after_seconds: Any) -> int:
    """Whole minutes, rounded up, of a lock-out (at least 1)."""
    try:
        seconds = int(retry_after_seconds)
    except (TypeError, ValueError):
        seconds = 15 * 60
    return max(1, -(-seconds // 60))


# --- choosing among several claims --------------------------------------------------------


def choose_claim(text: str, entities: Entities, candidates: Sequence[str],
                 claim_types: Optional[Sequence[str]] = None) -> Optional[str]:
    """Which of the listed report numbers the customer means: by number, by position
    (第二个, 2), newest (最新的) or by claim type (车险那个) when that is unique."""
    number = parse_number(text, entities)
    if number in candidates:
        return number
    clean = _clean(text).strip()
    for pattern in (_ORDINAL_PREFIXED, _ORDINAL_COUNTED, _ORDINAL_ALONE):
        found = pattern.search(clean)
        if found:
            token = found.group(1)
            index = int(token) if token.isdigit() else _ORDINALS[token]
            if 1 <= index <= len(candidates):
                return candidates[index - 1]
    if any(word in clean for word in _LATEST):
        return candidates[0] if candidates else None
    claim_type = _entity(entities, "claim_type")
    if claim_type and claim_types:
        same = [n for n, t in zip(candidates, claim_types) if t == claim_type]
        if len(same) == 1:
            return same[0]
    return None


def format_choices(claims: Sequence[Claim]) -> str:
    """One numbered line per claim: number, day reported, place, stage label (from the API)."""
    return "\n".join(
        f"{i}. {c['report_no']}｜{format_date(c.get('reported_at'))}报案｜{c.get('incident_place') or ''}｜"
        f"{c['stage_label_zh']}"
        for i, c in enumerate(claims, start=1)
    )


# --- the answer ---------------------------------------------------------------------------


def format_date(value: Optional[str]) -> str:
    """ISO 8601 → 2026年10月13日 (the API gives Asia/Shanghai times)."""
    if not value:
        return ""
    try:
        day = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return f"{day.year}年{day.month}月{day.day}日"


def format_amount(value: Any) -> str:
    """8650.0 → 8,650.00"""
    return f"{float(value):,.2f}"


def status_reply(claim: Claim, catalogue: Sequence[Mapping[str, Any]] = ()) -> Tuple[str, Dict[str, str]]:
    """The response key for the claim's stage and its variables, all from the API payload."""
    variables = {
        "report_number": claim["report_no"],
        "policy_number": claim.get("policy_no") or "",
        "reported_date": format_date(claim.get("reported_at")),
        "incident_place": claim.get("incident_place") or "",
        "stage_label": claim["stage_label_zh"],
        "stage_explanation": claim.get("stage_explanation_zh") or "",
        "typical_duration": claim.get("typical_duration_zh") or "",
        "next_step": claim.get("next_step_zh") or "",
    }
    stage = claim["stage"]
    if stage == "awaiting_materials" and claim.get("materials_missing"):
        variables["missing_list"] = materials.format_missing(
            claim["materials_missing"], catalogue, claim.get("claim_type"))
        variables["missing_count"] = str(len(claim["materials_missing"]))
        return "utter_status_awaiting_materials", variables
    if stage == "paid" and claim.get("paid_amount") is not None:
        variables.update(
            paid_amount=format_amount(claim["paid_amount"]),
            paid_date=format_date(claim.get("paid_at")) or variables["reported_date"],
            account_tail=claim.get("bank_account_tail") or "****",
        )
        return "utter_status_paid", variables
    if stage == "rejected":
        variables.update(
            rejection_reason=claim.get("rejection_reason") or claim.get("stage_explanation_zh") or "",
            rejection_clause=claim.get("rejection_clause") or "",
            appeal=claim.get("appeal_zh") or claim.get("next_step_zh") or "",
        )
        return "utter_status_rejected", variables
    return "utter_status_in_progress", variables


def extra_replies(claim: Claim) -> List[Tuple[str, Dict[str, str]]]:
    """Further named responses for what the payload adds: staff's note to the customer and
    the estimated amount while the claim is still open."""
    extras: List[Tuple[str, Dict[str, str]]] = []
    if claim.get("note"):
        extras.append(("utter_status_note", {"note": str(claim["note"])}))
    if claim.get("estimated_amount") is not None and claim["stage"] not in ("paid", "rejected", "withdrawn"):
        extras.append(("utter_status_estimate", {"estimated_amount": format_amount(claim["estimated_amount"])}))
    return extras

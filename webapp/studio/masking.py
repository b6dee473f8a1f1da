"""Masks personal data in text shown to staff: ID numbers, phone numbers, policy, report
and bank-card-like numbers. The first and last characters stay so staff can tell items
apart; everything between becomes `*`."""
from __future__ import annotations

import re

# Order matters: the longest shapes first, so a phone inside an ID number is not half-masked.
PATTERNS = [
    re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"),
    re.compile(r"(?<![A-Za-z0-9])P[A-Z]{3}[\s-]*\d(?:[\s-]*\d){9,19}(?![0-9])", re.IGNORECASE),
    re.compile(r"(?<![A-Za-z0-9])BA[\s-]*\d(?:[\s-]*\d){9,15}(?![0-9])", re.IGNORECASE),
    re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?!\d)"),
    re.compile(r"(?<!\d)\d{12,19}(?!\d)"),  # card and other long numbers
]


def _mask(match: re.Match) -> str:
    value = match.group(0)
    keep = 2 if len(value) > 8 else 1
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def mask(text: str) -> str:
    """The text with personal numbers masked (idempotent)."""
    for pattern in PATTERNS:
        text = pattern.sub(_mask, text)
    return text

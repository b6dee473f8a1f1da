"""Report and complaint numbers: prefix + yyyymmdd (Asia/Shanghai) + 6-digit daily sequence.

`BA20261015000101` is a report number, `TS20261122000001` a complaint number. The next
number is one past the highest of the day, skipping numbers reserved by the demo data so a
filed claim can never take a demo claim's number, even before the demo data is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORT_PREFIX = "BA"
COMPLAINT_PREFIX = "TS"
SEQ_DIGITS = 6
MAX_SEQ = 10**SEQ_DIGITS - 1
REPORT_NO_RE = re.compile(r"^BA\d{8}\d{6}$")


def local_day(moment: datetime) -> date:
    """The calendar day of a moment in Asia/Shanghai (numbers follow the local day)."""
    return moment.astimezone(SHANGHAI).date()


def day_prefix(prefix: str, day: date) -> str:
    """BA20261122."""
    return f"{prefix}{day:%Y%m%d}"


def sequence_of(number: str) -> int:
    """The daily sequence at the end of a number (BA20261015000101 → 101)."""
    return int(number[-SEQ_DIGITS:])


def next_number(prefix: str, day: date, taken: Iterable[str], reserved: Iterable[str] = ()) -> str:
    """The next free number of the day.

    `taken` are numbers already used that day (only their maximum matters); `reserved`
    are numbers that must never be handed out (demo report numbers).
    """
    head = day_prefix(prefix, day)
    highest = max((sequence_of(n) for n in taken if n.startswith(head)), default=0)
    blocked = {n for n in reserved if n.startswith(head)}
    seq = highest + 1
    while f"{head}{seq:0{SEQ_DIGITS}d}" in blocked:
        seq += 1
    if seq > MAX_SEQ:
        raise OverflowError(f"no {prefix} numbers left for {day.isoformat()}")
    return f"{head}{seq:0{SEQ_DIGITS}d}"

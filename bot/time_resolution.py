"""Resolves Chinese time expressions (昨天下午三点, 刚才, 上周五…) to Asia/Shanghai times.

Built on JioNLP's time parser, with the few things it lacks for incident reports:
"just now" words, evening shorthands (昨晚 is the evening, not the whole day), and a
preference for the past (an incident has already happened, so a bare "下午三点" said in
the morning means yesterday afternoon).
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")

JUST_NOW = re.compile(r"刚刚|刚才|方才|刚(?=被|出|摔|撞|发生|在|让)")
# Shorthands JioNLP reads as a whole day; rewritten before parsing the span.
_SHORTHANDS = [
    ("昨晚", "昨天晚上"), ("前晚", "前天晚上"), ("今晚", "今天晚上"),
    ("今早", "今天早上"), ("昨早", "昨天早上"), ("昨夜", "昨天夜里"),
    ("今儿", "今天"), ("昨儿", "昨天"), ("前儿", "前天"),
]
# A span that names a day (not only a clock time or a part of the day).
_NAMES_A_DAY = re.compile(r"[天日号月年周今昨明]|星期|礼拜|\d+[./-]\d+")


@dataclass(frozen=True)
class ResolvedTime:
    text: str
    start: int
    end: int
    value: dt.datetime        # start of the interval, tz-aware Asia/Shanghai
    range_end: dt.datetime
    grain: str

    def as_additional_info(self) -> dict:
        return {
            "from": self.value.isoformat(),
            "to": self.range_end.isoformat(),
            "grain": self.grain,
        }


def now_shanghai() -> dt.datetime:
    return dt.datetime.now(SHANGHAI).replace(microsecond=0)


def message_time_from(metadata: object) -> dt.datetime:
    """When the customer wrote: `metadata.message_time` (epoch seconds or ISO 8601; a naive
    time is Shanghai time) as channels and tests pass it, else now. Relative times
    (昨天下午三点) resolve against it, in the NLU and in the actions alike."""
    raw = metadata.get("message_time") if isinstance(metadata, dict) else None
    try:
        if isinstance(raw, (int, float)):
            return dt.datetime.fromtimestamp(raw, SHANGHAI)
        if isinstance(raw, str) and raw:
            parsed = dt.datetime.fromisoformat(raw)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)
    except (ValueError, OverflowError, OSError):
        pass
    return now_shanghai()


def _jio():
    import jionlp  # imported lazily: it prints a banner and takes ~0.5 s

    return jionlp


def warm_up() -> None:
    """JioNLP builds its tables on the first call (~100 ms): pay that at start-up."""
    resolve_times("昨天下午三点", now_shanghai())


def _grain(start: dt.datetime, end: dt.datetime) -> str:
    seconds = (end - start).total_seconds()
    if seconds < 60:
        return "minute"
    if seconds < 3600:
        return "hour"
    if seconds < 86400 - 1:
        return "part_of_day"
    if seconds < 2 * 86400:
        return "day"
    return "days"


def _parse_span(text: str, base: dt.datetime) -> Optional[Tuple[dt.datetime, dt.datetime]]:
    normalized = text
    for short, full in _SHORTHANDS:
        normalized = normalized.replace(short, full)
    try:
        parsed = _jio().parse_time(normalized, time_base=base.replace(tzinfo=None))
    except Exception:  # JioNLP raises plain exceptions for text it can't read
        return None
    if parsed.get("type") not in ("time_point", "time_span"):
        return None
    times = parsed.get("time")
    if not isinstance(times, list) or len(times) != 2 or "inf" in str(times):
        return None
    start = dt.datetime.fromisoformat(times[0]).replace(tzinfo=SHANGHAI)
    end = dt.datetime.fromisoformat(times[1]).replace(tzinfo=SHANGHAI)
    return start, end


def resolve_times(text: str, reference: dt.datetime) -> List[ResolvedTime]:
    """Every past-or-present time point in `text`, resolved against `reference`."""
    reference = reference.astimezone(SHANGHAI)
    results: List[ResolvedTime] = []
    for match in JUST_NOW.finditer(text):
        results.append(ResolvedTime(match.group(), match.start(), match.end(),
                                    reference, reference, "instant"))
    try:
        found = _jio().ner.extract_time(text, time_base=reference.replace(tzinfo=None),
                                        with_parsing=False)
    except Exception:
        logger.debug("JioNLP could not read %r", text, exc_info=True)
        found = []
    for item in found:
        start_idx, end_idx = item["offset"]
        span = text[start_idx:end_idx]
        if any(r.start < end_idx and start_idx < r.end for r in results):
            continue
        interval = _parse_span(span, reference)
        if interval is None:
            continue
        start, end = interval
        if start > reference and not _NAMES_A_DAY.search(span):
            # A bare clock time later than now: the customer means the day before.
            start -= dt.timedelta(days=1)
            end -= dt.timedelta(days=1)
        results.append(ResolvedTime(span, start_idx, end_idx, start, end, _grain(start, end)))
    return sorted(results, key=lambda r: r.start)


def resolve_time_answer(text: str, reference: Optional[dt.datetime] = None) -> Optional[ResolvedTime]:
    """The first time in a customer's answer to "when did it happen?", if any."""
    times = resolve_times(text, reference or now_shanghai())
    return times[0] if times else None

"""A conversation as the agent sees it, from Rasa's tracker events (the tracker API or
the `rasa:events` stream): the transcript, the emotion trail and the fields collected."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from webapp.agent import texts

EXTERNAL_PREFIX = "EXTERNAL: "
SYSTEM_EVENTS = {"pause": "机器人已暂停，等待人工客服", "resume": "机器人已恢复"}


def emotion_of(event: Dict[str, Any]) -> Optional[str]:
    for entity in (event.get("parse_data") or {}).get("entities") or []:
        if entity.get("entity") == "emotion":
            return entity.get("value")
    return None


def item(event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """One transcript line, or None for events a person does not need to read."""
    kind = event.get("event")
    timestamp = float(event.get("timestamp") or 0)
    metadata = event.get("metadata") or {}
    if kind == "user":
        text = event.get("text") or ""
        if metadata.get("redispatched") or text.startswith(EXTERNAL_PREFIX):
            return None
        text = metadata.get("display_text") or text
        if not text:
            return None
        parse = event.get("parse_data") or {}
        return {"sender": "user", "text": text, "timestamp": timestamp,
                "emotion": emotion_of(event), "intent": (parse.get("intent") or {}).get("name"),
                "channel": event.get("input_channel")}
    if kind == "bot":
        sender = metadata.get("kind") if metadata.get("kind") in ("agent", "system") else "bot"
        data = event.get("data") or {}
        buttons = [b.get("title") for b in (data.get("buttons") or []) if isinstance(b, dict)]
        text = event.get("text") or ""
        if not text and not buttons:
            return None
        line = {"sender": sender, "text": text, "timestamp": timestamp}
        if buttons:
            line["buttons"] = buttons
        if metadata.get("agent_name"):
            line["agent"] = metadata["agent_name"]
        return line
    if kind in SYSTEM_EVENTS:
        return {"sender": "system", "text": SYSTEM_EVENTS[kind], "timestamp": timestamp}
    return None


def transcript(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [line for line in map(item, events) if line is not None]


def emotion_trail(lines: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [{"timestamp": line["timestamp"], "emotion": line["emotion"],
             "label": texts.EMOTIONS.get(line["emotion"], line["emotion"]), "text": line["text"][:60]}
            for line in lines if line.get("sender") == "user" and line.get("emotion")]


def _display(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, dict)):
        return "、".join(map(str, value)) if isinstance(value, list) else str(value)
    return str(value)


def fields(slots: Dict[str, Any]) -> List[Dict[str, str]]:
    """The customer's data collected so far, labelled, in the order of texts.FIELD_LABELS."""
    return [{"slot": name, "label": label, "value": _display(slots[name])}
            for name, label in texts.FIELD_LABELS.items()
            if slots.get(name) not in (None, "", [], {})]


def report_number(slots: Dict[str, Any]) -> Optional[str]:
    for name in ("report_last_number", "status_report_number", "status_number"):
        value = slots.get(name)
        if isinstance(value, str) and value.upper().startswith("BA"):
            return value.upper()
    return None

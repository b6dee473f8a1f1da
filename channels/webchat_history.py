"""The conversation as the web chat shows it again after a reload.

Merges Rasa's tracker events (what the customer typed, what the bot answered) with the
outbound messages delivered to the page (agent replies, notices), oldest first. Each item:
`{"sender": "user"|"bot"|"agent"|"notice"|"system", "text", "buttons"?, "image"?,
"event"?, "timestamp"}`. No Rasa imports: it works on event dictionaries.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List

OUTBOUND_SENDERS = {"agent", "notice", "system"}


def from_events(events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    items: List[Dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        metadata = event.get("metadata") or {}
        timestamp = float(event.get("timestamp") or 0)
        if kind == "user":
            text = metadata.get("display_text") or event.get("text") or ""
            if not text or (text.startswith("/") and not metadata.get("display_text")):
                continue  # internal commands (session start, button payloads without a title)
            items.append({"sender": "user", "text": text, "timestamp": timestamp})
        elif kind == "bot":
            data = event.get("data") or {}
            item: Dict[str, Any] = {
                "sender": metadata.get("kind") if metadata.get("kind") in OUTBOUND_SENDERS else "bot",
                "text": event.get("text") or "",
                "timestamp": timestamp,
            }
            buttons = data.get("buttons") or data.get("quick_replies")
            if buttons:
                item["buttons"] = [{"title": b.get("title", ""), "payload": b.get("payload", "")}
                                   for b in buttons if isinstance(b, dict)]
            if data.get("image"):
                item["image"] = data["image"]
            if not (item["text"] or item.get("buttons") or item.get("image")):
                continue
            # One bubble per paragraph, as Rasa's socket.io output sends them live;
            # buttons and image go with the last one.
            parts = [p for p in item["text"].strip().split("\n\n") if p.strip()] or [""]
            for part in parts[:-1]:
                items.append({"sender": item["sender"], "text": part, "timestamp": timestamp})
            item["text"] = parts[-1]
            items.append(item)
    return items


def from_outbound(payloads: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    items = []
    for payload in payloads:
        item = {
            "sender": payload.get("kind") if payload.get("kind") in OUTBOUND_SENDERS else "bot",
            "text": payload.get("text") or "",
            "timestamp": float(payload.get("timestamp") or 0),
        }
        if payload.get("quick_replies"):
            item["buttons"] = payload["quick_replies"]
        if payload.get("event"):
            item["event"] = payload["event"]
        items.append(item)
    return items


def merge(tracker_items: List[Dict[str, Any]], outbound_items: List[Dict[str, Any]],
          limit: int = 200) -> List[Dict[str, Any]]:
    merged = sorted(tracker_items + outbound_items, key=lambda item: item["timestamp"])
    return merged[-limit:]

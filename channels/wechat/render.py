"""Rasa's messages → WeChat text messages.

WeChat text messages are plain text, at most 2048 bytes; we also keep them to 600
characters so that a long answer arrives as several readable messages. Buttons become
numbered options ("1. 我要报案"); the caller remembers them so that a digit maps back to
the payload (channels.wechat.options).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, List

from channels.wechat import texts

MAX_CHARS = 600
MAX_BYTES = 2048
_BREAK_AFTER = re.compile(r"[。！？；，、,.!?;]")


@dataclass(frozen=True)
class Option:
    title: str
    payload: str

    def as_dict(self) -> Dict[str, str]:
        return asdict(self)


@dataclass
class Rendered:
    chunks: List[str] = field(default_factory=list)
    options: List[Option] = field(default_factory=list)


def render(messages: Iterable[Dict[str, Any]]) -> Rendered:
    """Messages as Rasa's CollectingOutputChannel collects them (text, buttons, image,
    attachment, custom) → text chunks within WeChat's limits, and the numbered options."""
    parts: List[str] = []
    options: List[Option] = []
    for message in messages:
        lines = []
        text = (message.get("text") or "").strip()
        custom = message.get("custom")
        if not text and isinstance(custom, dict) and isinstance(custom.get("text"), str):
            text = custom["text"].strip()
        if text:
            lines.append(text)
        if message.get("image"):
            lines.append(texts.IMAGE_LINK.format(url=message["image"]))
        numbered = []
        for button in message.get("buttons") or []:
            title = str(button.get("title", "")).strip()
            if button.get("url"):
                lines.append(texts.LINK.format(title=title, url=button["url"]))
            elif button.get("payload") is not None:
                options.append(Option(title=title, payload=str(button["payload"])))
                numbered.append(f"{len(options)}. {title}")
        if numbered:
            lines.append("\n".join(numbered) + "\n" + texts.OPTIONS_HINT)
        if lines:
            parts.append("\n".join(lines))
    return Rendered(chunks=split("\n\n".join(parts)), options=options)


def fits(text: str, max_chars: int = MAX_CHARS, max_bytes: int = MAX_BYTES) -> bool:
    return len(text) <= max_chars and len(text.encode("utf-8")) <= max_bytes


def split(text: str, max_chars: int = MAX_CHARS, max_bytes: int = MAX_BYTES) -> List[str]:
    """Pack paragraphs, then lines, then characters into as few chunks as fit the limits;
    breaks fall between paragraphs when possible, else between lines, else after
    punctuation."""
    def ok(value: str) -> bool:
        return fits(value, max_chars, max_bytes)

    pieces: List[tuple] = []  # (separator before it, piece)
    for paragraph in text.strip().split("\n\n"):
        paragraph = paragraph.strip("\n")
        if not paragraph.strip():
            continue
        if ok(paragraph):
            pieces.append(("\n\n", paragraph))
            continue
        first = True
        for line in paragraph.split("\n"):
            for part in ([line] if ok(line) else _hard_split(line, ok)):
                pieces.append(("\n\n" if first else "\n", part))
                first = False

    chunks: List[str] = []
    current = ""
    for separator, piece in pieces:
        candidate = f"{current}{separator}{piece}" if current else piece
        if ok(candidate):
            current = candidate
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return [c.strip() for c in chunks if c.strip()]


def _hard_split(line: str, ok) -> List[str]:
    parts: List[str] = []
    current = ""
    for char in line:
        if ok(current + char):
            current += char
            continue
        cut = _last_break(current)
        parts.append(current[:cut])
        current = current[cut:] + char
    if current:
        parts.append(current)
    return parts


def _last_break(text: str) -> int:
    """Index just after the last punctuation mark in the second half of `text`."""
    for index in range(len(text) - 1, len(text) // 2, -1):
        if _BREAK_AFTER.match(text[index]):
            return index + 1
    return len(text)

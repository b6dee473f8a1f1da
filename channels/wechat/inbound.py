"""What to do with each kind of push from WeChat (a registry, as wechatpy does it).

Each handler turns a parsed wechatpy message into an `Inbound`: text for Rasa, a fixed
reply, an image to file as a claim material, the welcome, the end of the session, or
nothing. Unknown messages get a polite "text, voice or images only"; unknown events
are acknowledged and ignored.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional, Type

from wechatpy.events import (
    BaseEvent,
    ClickEvent,
    SubscribeEvent,
    SubscribeScanEvent,
    UnsubscribeEvent,
)
from wechatpy.messages import BaseMessage, ImageMessage, TextMessage, VoiceMessage

from channels.wechat import texts
from channels.wechat.menu import item_for_key

SAY = "say"              # text for Rasa
REPLY = "reply"          # a fixed text from channels.wechat.texts
IMAGE = "image"          # a photo to record as a claim material
WELCOME = "welcome"      # subscribe
END_SESSION = "end_session"  # unsubscribe
IGNORE = "ignore"


@dataclass(frozen=True)
class Inbound:
    kind: str
    text: Optional[str] = None
    media_id: Optional[str] = None
    source: str = ""   # what the customer did, kept in the message metadata


Handler = Callable[[BaseMessage], Inbound]
_HANDLERS: Dict[Type[BaseMessage], Handler] = {}


def handles(*types: Type[BaseMessage]) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for message_type in types:
            _HANDLERS[message_type] = handler
        return handler
    return register


@handles(TextMessage)
def _text(message: TextMessage) -> Inbound:
    return Inbound(SAY, text=message.content or "", source="text")


@handles(VoiceMessage)
def _voice(message: VoiceMessage) -> Inbound:
    recognition = (message.recognition or "").strip()
    if not recognition:
        return Inbound(REPLY, text=texts.VOICE_NOT_RECOGNISED, source="voice")
    return Inbound(SAY, text=recognition, source="voice")


@handles(ImageMessage)
def _image(message: ImageMessage) -> Inbound:
    return Inbound(IMAGE, media_id=message.media_id, source="image")


@handles(SubscribeEvent, SubscribeScanEvent)
def _subscribe(message: BaseEvent) -> Inbound:
    return Inbound(WELCOME, text=texts.WELCOME, source="subscribe")


@handles(UnsubscribeEvent)
def _unsubscribe(message: BaseEvent) -> Inbound:
    return Inbound(END_SESSION, text="/session_start", source="unsubscribe")


@handles(ClickEvent)
def _click(message: ClickEvent) -> Inbound:
    item = item_for_key(message.key)
    if item is None:
        return Inbound(IGNORE, source="click")
    return Inbound(SAY, text=item.payload, source=f"menu:{item.key}")


def to_inbound(message: BaseMessage) -> Inbound:
    handler = _HANDLERS.get(type(message))
    if handler is not None:
        return handler(message)
    raw = getattr(message, "_data", None) or {}
    message_type = str(raw.get("MsgType", message.type)).lower()
    if isinstance(message, BaseEvent) or message_type == "event":
        return Inbound(IGNORE, source=f"event:{str(raw.get('Event', '')).lower()}")
    return Inbound(REPLY, text=texts.UNSUPPORTED_MESSAGE, source=f"message:{message_type}")

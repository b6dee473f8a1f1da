"""Trackers of the emotion, handoff and complaint action tests: tests/data/handoff_turn.json
with the latest message, slots and state replaced."""
from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from tests.actions.conftest import load_json


def emotion(value: str, abuse: bool = False, bereavement: bool = False) -> Dict[str, Any]:
    return {"entity": "emotion", "start": 0, "end": 1, "value": value,
            "extractor": "EmotionExtractor",
            "additional_info": {"abuse": abuse, "bereavement": bereavement}}


def turn(text: str = "都一个月了还没赔，你们干什么吃的", intent: str = "query_status",
         entities: Optional[List[Dict[str, Any]]] = None, slots: Optional[Dict[str, Any]] = None,
         paused: bool = False, active_loop: Optional[str] = None, channel: str = "socketio",
         message_time: str = "2026-11-22T10:00:00+08:00", sender_id: str = "handoff-test",
         earlier: Optional[List[Dict[str, Any]]] = None, message_id: str = "m-latest") -> Tracker:
    state = load_json("handoff_turn.json")
    parse = {"text": text, "intent": {"name": intent, "confidence": 0.9},
             "entities": [emotion("angry")] if entities is None else entities,
             "metadata": {"message_time": message_time}, "message_id": message_id}
    state["sender_id"] = sender_id
    state["latest_message"] = copy.deepcopy(parse)
    user = state["events"][1]
    user.update(text=text, parse_data=copy.deepcopy(parse), input_channel=channel,
                metadata={"message_time": message_time}, message_id=message_id)
    state["events"] = (earlier or []) + state["events"]
    state["slots"].update(slots or {})
    state["paused"] = paused
    state["active_loop"] = {"name": active_loop} if active_loop else {}
    return Tracker.from_dict(state)

"""Emotions: the first reply to an emotional message, and what the customer's state asks for.

`action_validate_slot_mappings` is Rasa's global slot-validation hook: Rasa runs it after
every customer message (from action_extract_slots), before the dialogue policy predicts
anything, and sends what it utters at once. That makes it the place where

- an emotional message gets its acknowledgement as the first reply, whatever feature
  then handles the intent (texts: domain/emotion.yml, utter_ack_<kind>[_<intent>]);
- consecutive angry messages and NLU fallbacks are counted, and the turns that call for a
  human agent are marked in `handoff_trigger` for data/rules/handoff.yml: anger twice in a
  row (an offer), two fallbacks in a row, a death, a dispute after a refused coverage;
- the answer to the rating question after a handoff is recognised (`handoff_rating_recorded`).

Nothing happens while the conversation is paused (an agent has it) or for EXTERNAL_ intents.
The report form acknowledges emotions itself, so this action stays silent while a report
is being taken (it still counts anger), except for safety advice to an anxious customer
who is about to report an accident.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.report_filing import pending_notice_events

REPORT_FORM = "report_form"  # domain/report.yml: greets upset customers itself
OBSERVED = "emotion_observed_message"  # id of the last message this action handled
# Intents whose own flow deals with the customer's anger: no offer on top.
SELF_ESCALATING = {"request_human", "complain"}
# Answers to an offer of a human agent (data/rules/handoff.yml).
OFFER_ANSWERS = {"affirm", "deny", "request_human"}

_RATING = re.compile(
    r"^(我)?(就)?(给|打|评)?(你们|个|了)?([1-5一二三四五])(分|星|颗星)?(好评)?(吧|了|啊|呀|哈)?[!！。.~～]*$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}


def parse_rating(text: str, entities: Iterable[Dict[str, Any]] = ()) -> Optional[int]:
    """1-5 from the rating buttons' entity, or from a typed answer: 5 / 5分 / 给4分吧 /
    五星 / 满分 / ⭐⭐⭐. None when the message is not a rating."""
    for entity in entities:
        if entity.get("entity") == "satisfaction_rating":
            try:
                value = int(str(entity.get("value")).strip())
            except ValueError:
                continue
            if 1 <= value <= 5:
                return value
    compact = re.sub(r"\s+", "", text or "")
    if compact in ("满分", "满分好评"):
        return 5
    stars = compact.count("⭐") or compact.count("★")
    if stars and not compact.replace("⭐", "").replace("★", ""):
        return stars if stars <= 5 else None
    match = _RATING.match(compact)
    if not match:
        return None
    digit = match.group(5)
    return _CHINESE_DIGITS.get(digit) or int(digit)


def emotion_entity(latest: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    return next((e for e in latest.get("entities") or [] if e.get("entity") == "emotion"), None)


@dataclass
class TurnDecision:
    slots: Dict[str, Any] = field(default_factory=dict)
    responses: List[str] = field(default_factory=list)


def acknowledgement(kind: str, intent: str, responses: Iterable[str]) -> Optional[str]:
    """The most specific acknowledgement the domain has: utter_ack_<kind>_<intent>, else
    utter_ack_<kind>."""
    available = set(responses)
    for name in (f"utter_ack_{kind}_{intent}", f"utter_ack_{kind}"):
        if name in available:
            return name
    return None


def decide(intent: str, text: str, entities: List[Dict[str, Any]], slots: Dict[str, Any],
           active_loop: Optional[str], responses: Iterable[str]) -> TurnDecision:
    """What one customer message calls for (pure; see the module docstring)."""
    decision = TurnDecision()
    entity = emotion_entity({"entities": entities})
    emotion = entity.get("value") if entity else None
    info = (entity or {}).get("additional_info") or {}
    bereavement = emotion == "sad" and bool(info.get("bereavement"))
    abuse = bool(info.get("abuse"))
    angry_streak = int(slots.get("emotion_angry_streak") or 0) + 1 if emotion == "angry" else 0
    fallback_streak = int(slots.get("nlu_fallback_streak") or 0) + 1 if intent == "nlu_fallback" else 0
    done = set(slots.get("handoff_reasons_done") or [])
    in_report = active_loop == REPORT_FORM
    decision.slots["emotion"] = emotion
    decision.slots["handoff_rating_recorded"] = False

    if slots.get("rating_requested"):
        decision.slots["rating_requested"] = False
        rating = parse_rating(text, entities)
        if rating is not None:
            decision.slots.update(satisfaction_rating=rating, handoff_rating_recorded=True,
                                  handoff_trigger=None, emotion_acknowledged=False,
                                  emotion_angry_streak=0, nlu_fallback_streak=0)
            return decision

    trigger = None
    if bereavement and not in_report and "death" not in done:
        trigger = "death"
    elif (slots.get("intake_coverage_refused") and not in_report and "dispute" not in done
          and (intent in ("complain", "deny") or emotion == "angry")):
        trigger = "dispute"
    elif fallback_streak >= 2:
        trigger, fallback_streak = "fallback", 0
    elif angry_streak >= 2 and intent not in SELF_ESCALATING and not slots.get("handoff_offered"):
        trigger = "anger"

    kind = "bereavement" if bereavement else "abuse" if abuse else emotion
    ack = None
    if kind and not in_report:
        if intent == "report_claim" and active_loop is None:
            # The report form starts now and greets an upset customer itself; it needs no
            # second greeting, but safety comes first and a death is answered here.
            if kind == "anxious" and not slots.get("emotion_safety_given"):
                ack = acknowledgement("anxious", intent, responses)
                decision.slots["emotion_safety_given"] = True
            elif kind in ("bereavement", "abuse"):
                ack = acknowledgement(kind, intent, responses)
        else:
            ack = acknowledgement(kind, intent, responses)
    if ack:
        decision.responses.append(ack)
    decision.slots["emotion_acknowledged"] = ack is not None

    if trigger == "anger" and active_loop is not None:
        # Another feature's form keeps this turn (its question comes next): a hint, not a
        # question of our own.
        decision.responses.append("utter_offer_handoff_inline")
        trigger, angry_streak = None, 0
    decision.slots.update(handoff_trigger=trigger, emotion_angry_streak=angry_streak,
                          nlu_fallback_streak=fallback_streak)
    if slots.get("handoff_offered") and intent not in OFFER_ANSWERS:
        decision.slots.update(handoff_offered=False, handoff_pending_message=None)
    return decision


class ActionValidateSlotMappings(Action):
    """Runs after every customer message, before the policy (see the module docstring)."""

    def name(self) -> Text:
        return "action_validate_slot_mappings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        latest = tracker.latest_message or {}
        intent = (latest.get("intent") or {}).get("name") or ""
        if tracker.is_paused() or not intent or intent.startswith("EXTERNAL_"):
            return []
        # Rasa runs this hook again when a form activates on the same message (and a
        # message handed back after a declined offer keeps its id): once per message.
        message_id = latest.get("message_id")
        if message_id and message_id == tracker.get_slot(OBSERVED):
            return []
        decision = decide(intent, latest.get("text") or "", list(latest.get("entities") or []),
                          tracker.slots, tracker.active_loop_name,
                          (domain.get("responses") or {}).keys())
        decision.slots[OBSERVED] = message_id
        # News first: a report filed later by the outbox worker that a channel such as
        # REST could not push is told with the customer's next message, once.
        notice_events = pending_notice_events(dispatcher, tracker)
        for response in decision.responses:
            dispatcher.utter_message(response=response)
        return notice_events + [SlotSet(slot, value) for slot, value in decision.slots.items()
                                if tracker.get_slot(slot) != value]

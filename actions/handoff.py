"""Handoff to human agents: offers, the queue, the callback request out of hours, and the
way back to the bot with a rating.

Thin: the queue, sessions, working hours and records are in bot/handoff.py (Redis layout
in docs/architecture.md, "Handoff"); the texts in domain/handoff.yml; the rules that call
these actions in data/rules/handoff.yml.
"""
from __future__ import annotations

import logging
import re
import time
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

import redis
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import (ActionExecuted, ActiveLoop, ConversationPaused, EventType,
                             FollowupAction, SlotSet, UserUtteranceReverted)
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import message_time
from bot import handoff
from bot.config import get_settings

logger = logging.getLogger(__name__)

CALLBACK_FORM = "callback_form"
# A death needs no intro: its condolence (domain/emotion.yml) already announced the agent.
TRANSFER_INTROS = {"fallback": "utter_handoff_intro_fallback",
                   "dispute": "utter_handoff_intro_dispute"}
PHONE = re.compile(r"1[3-9]\d{9}")
# Slots of other features that may already hold the customer's phone (domain/report.yml).
KNOWN_PHONE_SLOTS = ("callback_phone", "intake_contact_phone")


@lru_cache
def redis_client() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis_url, socket_timeout=2.0,
                                socket_connect_timeout=2.0, decode_responses=True)


def _reasons_done(tracker: Tracker, reason: str) -> List[str]:
    done = list(tracker.get_slot("handoff_reasons_done") or [])
    return done if reason in done else done + [reason]


def handoff_reason(tracker: Tracker) -> str:
    """Why this handoff happens: the turn's trigger, else what an accepted offer was for,
    else the customer asked."""
    trigger = tracker.get_slot("handoff_trigger")
    if trigger in ("death", "fallback", "dispute"):
        return trigger
    if tracker.get_slot("handoff_offered") and tracker.get_slot("handoff_reason") in handoff.REASONS:
        return tracker.get_slot("handoff_reason")
    return "request"


def last_customer_text(tracker: Tracker) -> str:
    """The latest message that says something (not a button payload), for the queue preview."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            text = (event.get("text") or "").strip()
            if text and not text.startswith("/"):
                return text
    return ""


def known_phone(tracker: Tracker) -> Optional[str]:
    for slot in KNOWN_PHONE_SLOTS:
        value = tracker.get_slot(slot)
        if isinstance(value, str) and PHONE.fullmatch(value):
            return value
    phones = [v for v in tracker.get_latest_entity_values("phone_number")]
    return phones[0] if phones else None


class ActionHandoffRequest(Action):
    """Within working hours: joins the queue, tells the place and the expected wait, and
    pauses the conversation. Outside them: starts the callback request."""

    def name(self) -> Text:
        return "action_handoff_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        reason = handoff_reason(tracker)
        hours = handoff.WorkingHours.from_env()
        now = message_time(tracker)
        reset = [SlotSet("handoff_trigger", None), SlotSet("handoff_offered", False),
                 SlotSet("handoff_pending_message", None), SlotSet("handoff_reason", reason)]
        leave_loop = [ActiveLoop(None)] if tracker.active_loop_name else []
        if reason in TRANSFER_INTROS:
            dispatcher.utter_message(response=TRANSFER_INTROS[reason])

        if not hours.is_open(now):
            dispatcher.utter_message(response="utter_handoff_after_hours", hours=hours.describe())
            return reset + leave_loop + [
                SlotSet("handoff_reasons_done", _reasons_done(tracker, reason)),
                SlotSet("callback_phone", known_phone(tracker)),
                SlotSet("callback_time", None),
                FollowupAction(CALLBACK_FORM),
            ]

        try:
            ticket = handoff.request(redis_client(), tracker.sender_id,
                                     tracker.get_latest_input_channel() or "", reason,
                                     last_customer_text(tracker), now=time.time())
        except redis.RedisError as error:
            logger.error("handoff of %s not queued: %s", tracker.sender_id, error)
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return reset
        if ticket.state == handoff.ACTIVE:
            dispatcher.utter_message(response="utter_handoff_connected_already")
        elif not ticket.created:
            dispatcher.utter_message(response="utter_handoff_still_waiting",
                                     position=ticket.position, wait=ticket.wait_minutes)
        else:
            dispatcher.utter_message(response="utter_handoff_queued",
                                     position=ticket.position, wait=ticket.wait_minutes)
        # Paused: Rasa keeps recording the customer's messages (the agent console follows
        # them on the event stream) but predicts nothing until the agent ends the handoff.
        # action_listen closes the turn as the policy would have.
        return reset + leave_loop + [
            SlotSet("handoff_reasons_done", _reasons_done(tracker, reason)),
            ConversationPaused(),
            ActionExecuted("action_listen"),
        ]


class ActionOfferHandoff(Action):
    """Anger twice in a row: offers a human agent and keeps the message it interrupts."""

    def name(self) -> Text:
        return "action_offer_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_offer_handoff")
        latest = tracker.latest_message or {}
        # The whole parse (response_selector too: a retrieval question such as
        # ask_process/overview is answered from it when the message comes again).
        parse_data = {key: latest[key] for key in ("intent", "intent_ranking", "response_selector",
                                                  "text", "message_id") if key in latest}
        parse_data["entities"] = latest.get("entities") or []
        pending = {"text": latest.get("text"), "parse_data": parse_data}
        # handoff_trigger stays as the rule saw it (its action_listen must match); the
        # next message's observer recomputes it.
        return [SlotSet("handoff_offered", True), SlotSet("handoff_reason", "anger"),
                SlotSet("handoff_pending_message", pending), SlotSet("emotion_angry_streak", 0)]


class ActionDeclineHandoff(Action):
    """No agent wanted: the message the offer interrupted is handled as usual."""

    def name(self) -> Text:
        return "action_decline_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        pending = tracker.get_slot("handoff_pending_message")
        reset = [SlotSet("handoff_offered", False), SlotSet("handoff_pending_message", None),
                 SlotSet("handoff_trigger", None)]
        if not isinstance(pending, dict) or not pending.get("parse_data"):
            dispatcher.utter_message(response="utter_handoff_declined_anything_else")
            return reset
        dispatcher.utter_message(response="utter_handoff_declined")
        # As Rasa's two-stage fallback does: the "no" is taken back and the earlier
        # message comes again, so the feature it was meant for answers it now.
        # `redispatched` tells transcripts that the customer did not type it twice.
        again = {"event": "user", "text": pending.get("text"),
                 "parse_data": pending["parse_data"],
                 "message_id": pending["parse_data"].get("message_id"),
                 "input_channel": tracker.get_latest_input_channel(),
                 "metadata": {"redispatched": True}, "timestamp": None}
        return [UserUtteranceReverted(), ActionExecuted("action_listen"), again] + reset


class ActionHandoffResume(Action):
    """The agent ended the handoff (EXTERNAL_handoff_ended): the bot is back and asks for
    a rating."""

    def name(self) -> Text:
        return "action_handoff_resume"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_resumed")
        dispatcher.utter_message(response="utter_ask_rating")
        return [SlotSet("rating_requested", True), SlotSet("handoff_rating_recorded", False),
                SlotSet("satisfaction_rating", None), SlotSet("emotion_angry_streak", 0),
                SlotSet("nlu_fallback_streak", 0)]


class ActionStoreRating(Action):
    """Keeps the rating with the handoff (Redis session + `rated` event → the web app's
    conversation_ratings table) and thanks the customer."""

    def name(self) -> Text:
        return "action_store_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        rating = int(tracker.get_slot("satisfaction_rating"))
        try:
            handoff.record_rating(redis_client(), tracker.sender_id, rating)
        except redis.RedisError as error:  # the slot still holds it
            logger.error("rating of %s not published: %s", tracker.sender_id, error)
        dispatcher.utter_message(
            response="utter_rating_thanks_low" if rating <= 2 else "utter_rating_thanks",
            rating=rating)
        # handoff_rating_recorded is cleared by the next message's observer (the rule that
        # called this action must still match for its action_listen).
        return []


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_callback_form"

    async def extract_callback_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "callback_phone":
            return {}
        text = re.sub(r"[\s\-]", "", (tracker.latest_message or {}).get("text") or "")
        match = PHONE.search(text)
        if match:
            return {"callback_phone": match.group(0)}
        digits = re.sub(r"\D", "", text)
        # Digits that are no phone number: validated (and refused with a hint).
        return {"callback_phone": digits} if len(digits) >= 3 else {}

    def validate_callback_phone(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        phone = re.sub(r"[\s\-]", "", str(value or ""))
        if PHONE.fullmatch(phone):
            return {"callback_phone": phone}
        dispatcher.utter_message(response="utter_invalid_callback_phone")
        return {"callback_phone": None}

    def validate_callback_time(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if re.search(r"\w", text) and len(text) <= 100:
            return {"callback_time": text}
        dispatcher.utter_message(response="utter_invalid_callback_time")
        return {"callback_time": None}


class ActionSubmitCallback(Action):
    def name(self) -> Text:
        return "action_submit_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        hours = handoff.WorkingHours.from_env()
        now = message_time(tracker)
        phone, preferred = tracker.get_slot("callback_phone"), tracker.get_slot("callback_time")
        try:
            reference = handoff.record_callback(
                redis_client(), tracker.sender_id, tracker.get_latest_input_channel() or "",
                phone, preferred, tracker.get_slot("handoff_reason") or "request",
                last_customer_text(tracker))
        except redis.RedisError as error:
            logger.error("callback of %s not recorded: %s", tracker.sender_id, error)
            dispatcher.utter_message(response="utter_callback_unavailable", hours=hours.describe())
            return []
        dispatcher.utter_message(
            response="utter_callback_recorded", reference=reference, callback_phone=phone,
            callback_time=preferred,
            opening=handoff.describe_opening(hours.next_opening(now), now))
        return [SlotSet("callback_reference", reference)]

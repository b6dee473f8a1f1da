"""Complaints: take the problem, restate it to confirm, record it in the Claims API, say
what happens next and when, and offer a human agent.

Thin: categories and wording helpers in bot/complaint.py, texts in domain/complaint.yml,
the Claims API through bot/claims_client.py (POST /complaints).
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import claims_client, label
from bot import complaint
from bot.claims_client import ClaimsApiError, ClaimsApiUnavailable

logger = logging.getLogger(__name__)

SUMMARY, CONFIRMED, CATEGORY, NUMBER = (
    "complaint_summary", "complaint_confirmed", "complaint_category", "complaint_number")
# Intents that leave the form's question to a rule (data/rules/complaint.yml, handoff.yml).
LEAVING = {"stop", "request_human", "goodbye"}
# Where other features keep the numbers a complaint can refer to (domain/report.yml,
# domain/status.yml), most specific first.
REPORT_SLOTS = ("report_last_number", "status_report_number")
POLICY_SLOTS = ("intake_policy_number",)
PHONE_SLOTS = ("intake_contact_phone", "callback_phone")
CHANNEL = re.compile(r"^[a-z0-9_\-]{1,40}$")


def _latest(tracker: Tracker) -> "tuple[str, str]":
    latest = tracker.latest_message or {}
    return (latest.get("intent") or {}).get("name") or "", (latest.get("text") or "").strip()


def _first_slot(tracker: Tracker, names: "tuple[str, ...]") -> Optional[str]:
    for name in names:
        value = tracker.get_slot(name)
        if isinstance(value, str) and value:
            return value
    return None


class ValidateComplaintForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_complaint_form"

    async def extract_complaint_summary(self, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        intent, text = _latest(tracker)
        requested = tracker.get_slot("requested_slot")
        if intent in LEAVING or not text or text.startswith("/"):
            return {}
        if requested == SUMMARY or (requested is None and intent == "complain"
                                    and tracker.get_slot(SUMMARY) is None):
            return {SUMMARY: text}
        return {}

    async def extract_complaint_confirmed(self, dispatcher: CollectingDispatcher,
                                          tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != CONFIRMED:
            return {}
        intent, text = _latest(tracker)
        if intent == "affirm":
            return {CONFIRMED: True}
        if intent == "deny":
            return {CONFIRMED: False}
        if intent not in LEAVING and text and not text.startswith("/"):
            # More detail instead of a yes or no: added, and restated again.
            return {SUMMARY: complaint.summary(text, tracker.get_slot(SUMMARY))}
        return {}

    def validate_complaint_summary(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "")
        if complaint.is_bare_request(text):
            return {SUMMARY: None}
        summary = complaint.summary(text)
        return {SUMMARY: summary, CATEGORY: complaint.category(summary)}

    def validate_complaint_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is True:
            return {CONFIRMED: True}
        # Not what they meant: the form asks for the problem again.
        return {CONFIRMED: None, SUMMARY: None, CATEGORY: None}


class ActionAskComplaintConfirmed(Action):
    """Restates the complaint in a category's words and the customer's own."""

    def name(self) -> Text:
        return "action_ask_complaint_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        summary = tracker.get_slot(SUMMARY) or ""
        category = tracker.get_slot(CATEGORY) or complaint.category(summary)
        dispatcher.utter_message(
            response="utter_complaint_restate", summary=summary,
            category_label=label(domain, f"utter_complaint_category_{category}")
            or label(domain, "utter_complaint_category_other"))
        return [SlotSet(CATEGORY, category)]


class ActionSubmitComplaint(Action):
    """Records the confirmed complaint (POST /complaints) and offers a human agent."""

    def name(self) -> Text:
        return "action_submit_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        summary = tracker.get_slot(SUMMARY) or ""
        category = tracker.get_slot(CATEGORY) or complaint.category(summary)
        channel = tracker.get_latest_input_channel()
        offer = [SlotSet("handoff_offered", True), SlotSet("handoff_reason", "complaint"),
                 SlotSet("handoff_pending_message", None)]
        cleared = [SlotSet(SUMMARY, None), SlotSet(CONFIRMED, None), SlotSet(CATEGORY, None)]
        try:
            result = claims_client().create_complaint(
                conversation_id=tracker.sender_id, summary=summary, category=category,
                report_no=_first_slot(tracker, REPORT_SLOTS),
                policy_no=_first_slot(tracker, POLICY_SLOTS),
                contact_phone=_first_slot(tracker, PHONE_SLOTS),
                channel=channel if channel and CHANNEL.match(channel) else None)
        except (ClaimsApiUnavailable, ClaimsApiError) as error:
            logger.error("complaint of %s not recorded: %s", tracker.sender_id, error)
            dispatcher.utter_message(response="utter_complaint_unavailable")
            dispatcher.utter_message(response="utter_offer_handoff")
            return cleared + offer
        expected = result.get("expected_response_zh") or ""
        # The API's sentence usually names the number already.
        dispatcher.utter_message(
            response="utter_complaint_recorded" if result["complaint_no"] in expected
            else "utter_complaint_recorded_numbered",
            complaint_no=result["complaint_no"], expected_response=expected)
        dispatcher.utter_message(response="utter_offer_handoff")
        return cleared + offer + [SlotSet(NUMBER, result["complaint_no"])]

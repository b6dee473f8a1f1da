"""Starting a report from a story told as inform, keeping or dropping a cancelled report. (A materials question in the middle of the form is
answered by action_answer_materials, actions/materials.py, with the report's wording.)"""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import cleared_report, latest_message
from bot import intake


class ActionKeepOrDiscardReport(Action):
    """The answer to "keep what you said?" after a cancel: forget only when asked to."""

    def name(self) -> Text:
        return "action_keep_or_discard_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        latest = tracker.latest_message or {}
        intent = (latest.get("intent") or {}).get("name")
        if intake.wants_discard(latest.get("text") or "", intent):
            dispatcher.utter_message(response="utter_report_discarded")
            return [SlotSet(slot, value) for slot, value in cleared_report().items()]
        dispatcher.utter_message(response="utter_report_kept")
        return []


class ActionDetectIncidentStory(Action):
    """Slot extraction of intake_story_told (run by Rasa after each inform outside a form):
    does the message tell an incident? Then the report starts (data/rules/report.yml)."""

    def name(self) -> Text:
        return "action_detect_incident_story"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        told = intake.tells_incident(latest_message(tracker))
        return [SlotSet("intake_story_told", told)]

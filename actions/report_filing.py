"""Filing a complete report (one POST /claims per report, idempotent), and what follows:
the outbox when the Claims API is down, a repeated confirmation, a late notice."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

import redis
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import claims_client, cleared_report, notices, outbox
from bot import intake
from bot.claims_client import ClaimsApiError, ClaimsApiUnavailable

logger = logging.getLogger(__name__)

def stage_timing(stage: str) -> str:
    """When the next step comes ("一般在1个工作日内与您联系…"), from the API's stage list."""
    try:
        stages = claims_client().get_stages()
    except (ClaimsApiUnavailable, ClaimsApiError):
        return ""
    return next((s.get("typical_duration_zh") or "" for s in stages if s.get("stage") == stage), "")


def filed_params(filed: Dict[str, Any]) -> Dict[str, Any]:
    """Parameters of utter_report_filed / utter_report_filed_later from the API's answer."""
    materials = filed.get("materials") or {}
    return {
        "report_no": filed.get("report_no"),
        "when": stage_timing(filed.get("stage") or "reported"),
        "next_steps": intake.numbered(filed.get("next_steps_zh") or filed.get("next_steps") or []),
        "materials_label": materials.get("label_zh") or "",
        "materials": intake.format_materials(materials),
        "submission": intake.format_submission(materials),
    }


def _slot_events(values: Dict[str, Any]) -> List[EventType]:
    return [SlotSet(key, value) for key, value in values.items()]


class ActionSubmitReport(Action):
    def name(self) -> Text:
        return "action_submit_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("intake_coverage_refused"):
            # Explained already. The story stays, so that another policy can be tried: the
            # form forgets the refused policy when it starts again (actions/report_form.py).
            return _slot_events({"report_last_outcome": "refused"})
        if tracker.get_slot(intake.CONFIRMED) is not True:
            return []

        attempt = int(tracker.get_slot("report_attempt") or 0)
        key = intake.idempotency_key(tracker.sender_id, attempt)
        payload = intake.build_claim(tracker.slots, channel=tracker.get_latest_input_channel() or "rest",
                                     conversation_id=tracker.sender_id)
        try:
            filed, _created = claims_client().file_claim(payload, key)
        except ClaimsApiUnavailable as exc:
            logger.warning("Claims API unavailable at filing, queueing %s: %s", key[:12], exc)
            try:
                outbox().enqueue(idempotency_key=key, payload=payload, sender_id=tracker.sender_id)
            except redis.RedisError:
                logger.exception("outbox unavailable too; report kept in the conversation")
                dispatcher.utter_message(response="utter_report_not_saved")
                return _slot_events({intake.CONFIRMED: None, "report_last_outcome": "failed"})
            dispatcher.utter_message(response="utter_report_queued")
            return _slot_events({**cleared_report(), "report_attempt": attempt + 1,
                                 "report_last_number": None, "report_last_outcome": "queued"})
        except ClaimsApiError as exc:
            logger.warning("Claims API refused the report: %s", exc)
            dispatcher.utter_message(response="utter_report_refused_by_api",
                                     reason=exc.message_zh or "")
            return _slot_events({intake.CONFIRMED: None, "report_last_outcome": "failed"})

        dispatcher.utter_message(response="utter_report_filed", **filed_params(filed))
        return _slot_events({**cleared_report(), "report_attempt": attempt + 1,
                             "report_last_number": filed.get("report_no"), "report_last_outcome": "filed"})


class ActionRepeatConfirmation(Action):
    """A second "确认" (double click, channel retry) after the report went out."""

    def name(self) -> Text:
        return "action_repeat_confirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        outcome = tracker.get_slot("report_last_outcome")
        if outcome == "filed":
            dispatcher.utter_message(response="utter_report_already_filed",
                                     report_no=tracker.get_slot("report_last_number"))
        elif outcome == "queued":
            dispatcher.utter_message(response="utter_report_already_queued")
        else:
            dispatcher.utter_message(response="utter_anything_else")
        return []


class ActionNotifyReportFiled(Action):
    """Tells the customer about a report the outbox worker filed (or that was refused)."""

    def name(self) -> Text:
        return "action_notify_report_filed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        report_no = next((e.get("value") for e in (tracker.latest_message or {}).get("entities") or []
                          if e.get("entity") == "report_number"), None)
        try:
            pending = notices().peek(tracker.sender_id)
        except redis.RedisError:
            pending = []
        notice = next((n for n in pending if n.get("report_no") == report_no), None)
        if notice is None:
            return []  # delivered already with the customer's own message
        return utter_notice(dispatcher, notice)


def utter_notice(dispatcher: CollectingDispatcher, notice: Dict[str, Any]) -> List[EventType]:
    if notice.get("kind") == "filed":
        dispatcher.utter_message(response="utter_report_filed_later", **filed_params(
            {"report_no": notice["report_no"], "next_steps_zh": notice.get("next_steps"),
             "materials": notice.get("materials")}))
        return [SlotSet("report_last_number", notice["report_no"]), SlotSet("report_last_outcome", "filed")]
    dispatcher.utter_message(response="utter_report_failed_later", reason=notice.get("message_zh") or "")
    return [SlotSet("report_last_outcome", "failed")]


def pending_notice_events(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Shows the notices the outbox worker could not push (a channel such as REST cannot):
    meant to run with the customer's next message, from Rasa's per-message hook
    action_validate_slot_mappings (actions/emotion.py)."""
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""
    if intent.startswith("EXTERNAL_"):
        return []  # the external event's own rule tells it
    try:
        pending = notices().pop_all(tracker.sender_id)
    except redis.RedisError as exc:
        logger.warning("notices unavailable: %s", exc)
        return []
    events: List[EventType] = []
    for notice in pending:
        events += utter_notice(dispatcher, notice)
    return events

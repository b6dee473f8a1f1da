"""action_answer_materials: material questions, answered from the Claims API's catalogue.

Thin: reads the message and slots, calls the Claims API and bot/materials.py, utters the
named responses of domain/materials.yml (or, while a report is being taken, those of
domain/report.yml).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import claims_client
from actions.status import verified_claim
from bot import materials
from bot.claims_client import ClaimsApiError, ClaimsApiUnavailable

logger = logging.getLogger(__name__)

REPORT_FORM = "report_form"
REPORT_CLAIM_TYPE = "intake_claim_type"  # the report form's claim type (domain/report.yml)
AWAITING = "materials_awaiting_type"
CLAIM_TYPE = "materials_claim_type"


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    return next(tracker.get_latest_entity_values(name), None)


def _question_before(tracker: Tracker) -> str:
    """The customer's message before the latest one: the question we answered by asking
    for the claim type (发票丢了怎么办 → 车险 → the invoice of a vehicle claim)."""
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    return texts[-2] if len(texts) >= 2 else ""


class ActionAnswerMaterials(Action):
    def name(self) -> Text:
        return "action_answer_materials"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        in_report = tracker.active_loop_name == REPORT_FORM
        in_form = bool(tracker.active_loop_name)
        if tracker.get_slot(AWAITING):
            text = f"{_question_before(tracker)} {text}"
        done: List[EventType] = [SlotSet(AWAITING, False)] if tracker.get_slot(AWAITING) else []

        try:
            catalogue = claims_client().get_catalogue()
        except (ClaimsApiUnavailable, ClaimsApiError) as exc:
            logger.warning("materials catalogue unavailable: %s", exc)
            dispatcher.utter_message(
                response="utter_materials_unavailable" if in_report else "utter_materials_service_down")
            return done

        claim = None if in_report else verified_claim(tracker)
        claim_type = materials.pick_claim_type(
            [_entity(tracker, "claim_type"),
             tracker.get_slot(REPORT_CLAIM_TYPE) if in_report else None,
             tracker.get_slot(CLAIM_TYPE),
             (claim or {}).get("claim_type")],
            catalogue)

        # "还差什么材料": the customer's own claim, once it is verified.
        if materials.asks_missing(text) and not in_report:
            if claim:
                self._utter_claim_missing(dispatcher, claim, catalogue, complete_too=True)
                return done
            if not in_form:
                dispatcher.utter_message(response="utter_materials_need_claim")
                return done + [FollowupAction("status_form")]

        answer, ambiguous = materials.match_items(text, catalogue, claim_type)
        if answer:
            dispatcher.utter_message(
                response="utter_materials_item",
                items=materials.format_items(answer),
                claim_label=answer.checklist["label_zh"],
                submission_names=materials.submission_names(answer.checklist))
            return done
        if materials.asks_submission(text) and not ambiguous:
            checklist = materials.checklist_of(claim_type, catalogue) if claim_type else catalogue[0]
            dispatcher.utter_message(response="utter_materials_submission",
                                     submission=materials.format_submission(checklist))
            return done

        if claim_type and not ambiguous:
            checklist = materials.checklist_of(claim_type, catalogue)
            if in_report:
                dispatcher.utter_message(
                    response="utter_materials_checklist", label=checklist["label_zh"],
                    items=materials.format_checklist(checklist),
                    submission=materials.format_submission(checklist))
                return done
            dispatcher.utter_message(response="utter_materials_list",
                                     claim_label=checklist["label_zh"],
                                     checklist=materials.format_checklist(checklist))
            dispatcher.utter_message(response="utter_materials_submission",
                                     submission=materials.format_submission(checklist))
            if claim and claim.get("claim_type") == claim_type:
                self._utter_claim_missing(dispatcher, claim, catalogue, complete_too=False)
            return done + [SlotSet(CLAIM_TYPE, claim_type)]

        if in_report:
            dispatcher.utter_message(response="utter_materials_general")
            return done
        dispatcher.utter_message(response="utter_materials_ask_type", buttons=[
            {"title": label,
             "payload": "/ask_materials" + json.dumps({"claim_type": code}, ensure_ascii=False)}
            for code, label in materials.type_choices(catalogue)])
        return [SlotSet(AWAITING, True)]

    @staticmethod
    def _utter_claim_missing(dispatcher: CollectingDispatcher, claim: Dict[str, Any],
                             catalogue: List[Dict[str, Any]], complete_too: bool) -> None:
        missing = claim.get("materials_missing") or []
        if missing:
            dispatcher.utter_message(
                response="utter_materials_claim_missing", report_number=claim["report_no"],
                missing_list=materials.format_missing(missing, catalogue, claim.get("claim_type")))
        elif complete_too:
            dispatcher.utter_message(response="utter_materials_claim_complete",
                                     report_number=claim["report_no"],
                                     stage_label=claim["stage_label_zh"])

"""Status queries and progress notices: the status form's validation (which calls the
Claims API's verified lookup), the question "which claim?", the answer, and the delivery
of notices kept for the customer's next visit.

Thin: the logic is in bot/status.py, the texts in domain/status.yml.
"""
from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text, Tuple

import redis
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import claims_client
from bot import materials, status
from bot.claims_client import ClaimsApiError, ClaimsApiUnavailable
from bot.config import get_settings
from channels.settings import PENDING_PREFIX

logger = logging.getLogger(__name__)

NUMBER = "status_number"
VERIFICATION = "status_verification"
VERIFICATION_KIND = "status_verification_kind"
CHOICE = "status_choice"
CANDIDATES = "status_candidates"
OUTCOME = "status_outcome"
VERIFIED_CLAIM = "status_report_number"
# Forgotten when a session ends: a new visit verifies again.
SESSION_ONLY = (VERIFICATION, VERIFICATION_KIND, VERIFIED_CLAIM)
# Intents that leave the form's question for a rule to answer (data/rules/status.yml);
# any other answer that is not what was asked gets a hint and the question again.
INTERRUPTIONS = {
    "ask_materials", "ask_process", "stop", "request_human", "complain", "report_claim",
    "greet", "goodbye", "thank", "bot_challenge",
}
# Words saying that the digits in a message are the verification even when the form has
# not asked for it yet (查一下BA…，手机尾号5678).
VERIFICATION_CUES = ("尾号", "后四位", "后4位", "后六位", "后6位", "手机", "电话", "身份证", "身份證")


def _latest(tracker: Tracker) -> tuple:
    latest = tracker.latest_message or {}
    return (latest.get("text") or "", list(latest.get("entities") or []),
            (latest.get("intent") or {}).get("name"))


def verified_claim(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The claim this conversation verified, fresh from the Claims API; None when there is
    none or the API cannot say."""
    report_no = tracker.get_slot(VERIFIED_CLAIM)
    kind, value = tracker.get_slot(VERIFICATION_KIND), tracker.get_slot(VERIFICATION)
    if not (report_no and kind and value):
        return None
    try:
        claims = claims_client().lookup_status(**status.lookup_arguments(report_no, kind, value))
    except (ClaimsApiError, ClaimsApiUnavailable, ValueError) as exc:
        logger.info("verified claim not available: %s", exc)
        return None
    return claims[0] if claims else None


def _lookup(dispatcher: CollectingDispatcher, number: str, kind: str,
            value: str) -> Tuple[Optional[List[Dict[str, Any]]], Dict[str, Any]]:
    """Run the verified lookup: (the claims or None, the slot values its answer implies).
    A refusal says nothing about the claim; a lock-out says when to try again."""
    try:
        return claims_client().lookup_status(**status.lookup_arguments(number, kind, value)), {}
    except ClaimsApiUnavailable as exc:
        logger.warning("status lookup unavailable: %s", exc)
        dispatcher.utter_message(response="utter_status_unavailable")
        return None, {OUTCOME: "unavailable"}
    except ClaimsApiError as exc:
        forget = {NUMBER: None, VERIFICATION: None, VERIFICATION_KIND: None, VERIFIED_CLAIM: None}
        if exc.status == 423:
            dispatcher.utter_message(response="utter_status_locked",
                                     minutes=status.lock_minutes(exc.body.get("retry_after_seconds")))
            return None, {**forget, OUTCOME: "locked"}
        # 403 (and anything else refused): nothing about the claim; ask again from the start.
        dispatcher.utter_message(response="utter_status_verification_failed")
        return None, forget


def _lookup_events(dispatcher: CollectingDispatcher, number: str, kind: str,
                   value: str) -> Dict[str, Any]:
    """The form's lookup: which claims the verification unlocked, or why none."""
    claims, slots = _lookup(dispatcher, number, kind, value)
    if claims is None:
        return slots
    if not claims:
        dispatcher.utter_message(response="utter_status_no_claims", policy_number=number)
        return {OUTCOME: "no_claims"}
    candidates = [
        {"report_no": c["report_no"], "claim_type": c.get("claim_type"),
         "reported_at": c.get("reported_at"), "incident_place": c.get("incident_place"),
         "stage_label_zh": c.get("stage_label_zh")}
        for c in claims
    ]
    return {OUTCOME: "verified", CANDIDATES: candidates,
            CHOICE: claims[0]["report_no"] if len(claims) == 1 else None}


class ValidateStatusForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_status_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot(OUTCOME) in ("locked", "unavailable", "no_claims"):
            return []
        slots = [NUMBER, VERIFICATION]
        if len(tracker.get_slot(CANDIDATES) or []) > 1:
            slots.append(CHOICE)
        return slots

    # --- extraction: what the customer's answer says ------------------------------------

    async def extract_status_number(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        if NUMBER in tracker.slots_to_validate():
            return {}  # an entity filled it already
        text, entities, intent = _latest(tracker)
        requested = tracker.get_slot("requested_slot")
        number = status.parse_number(text, entities)
        if number:
            return {NUMBER: number}
        if requested is None and tracker.get_slot(VERIFIED_CLAIM) and not tracker.get_slot(NUMBER):
            return {NUMBER: tracker.get_slot(VERIFIED_CLAIM)}  # "再查一下": the claim just verified
        if requested != NUMBER or intent in INTERRUPTIONS:
            return {}
        if status.parse_verification(text, entities) and not tracker.get_slot(VERIFICATION):
            return {}  # the verification came first; the number is asked again
        dispatcher.utter_message(response="utter_status_number_invalid"
                                 if status.looks_like_number(text) else "utter_status_number_help")
        return {NUMBER: None}

    async def extract_status_verification(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                          domain: DomainDict) -> Dict[Text, Any]:
        text, entities, intent = _latest(tracker)
        requested = tracker.get_slot("requested_slot")
        asked = requested == VERIFICATION
        if requested == CHOICE:
            return {}
        found = status.parse_verification(text, entities)
        if found and (asked or any(e.get("entity") in ("phone_number", "id_number") for e in entities)
                      or any(cue in text for cue in VERIFICATION_CUES)):
            return {VERIFICATION: found[1], VERIFICATION_KIND: found[0]}
        if not asked or intent in INTERRUPTIONS or NUMBER in tracker.slots_to_validate():
            return {}
        dispatcher.utter_message(response="utter_status_verification_invalid")
        return {VERIFICATION: None}

    async def extract_status_choice(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != CHOICE:
            return {}
        text, entities, intent = _latest(tracker)
        candidates = tracker.get_slot(CANDIDATES) or []
        choice = status.choose_claim(text, entities, [c["report_no"] for c in candidates],
                                     [c.get("claim_type") for c in candidates])
        if choice:
            return {CHOICE: choice}
        if intent in INTERRUPTIONS:
            return {}
        dispatcher.utter_message(response="utter_status_choice_invalid")
        return {CHOICE: None}

    # --- validation ---------------------------------------------------------------------

    async def next_requested_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Optional[EventType]:
        """Always explicit: the first required slot still empty, None to end the form."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet("requested_slot", next((s for s in required if tracker.slots.get(s) is None), None))

    def validate_status_number(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if not value:
            return {NUMBER: None}  # the extraction said why
        if status.number_kind(str(value)):
            if tracker.get_slot("requested_slot") == CHOICE:
                return {}  # a number picked from the list: the choice, not a new query
            return {NUMBER: str(value), CANDIDATES: None, CHOICE: None, OUTCOME: None}
        dispatcher.utter_message(response="utter_status_number_invalid")
        return {NUMBER: None}

    def validate_status_verification(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        kind = tracker.get_slot(VERIFICATION_KIND)
        if value and kind in (status.PHONE_LAST4, status.ID_LAST6):
            return {VERIFICATION: str(value), CANDIDATES: None, CHOICE: None, OUTCOME: None}
        return {VERIFICATION: None, VERIFICATION_KIND: None}

    def validate_status_choice(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        candidates = [c["report_no"] for c in tracker.get_slot(CANDIDATES) or []]
        return {CHOICE: value if value in candidates else None}

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        """Validate the answers, then, once a number and a verification are both new or
        newly complete, ask the Claims API (whose answer decides what is asked next)."""
        changed = set(tracker.slots_to_validate())
        events = await super().get_validation_events(dispatcher, tracker, domain)
        if VERIFICATION in changed and not any(e["name"] == VERIFICATION_KIND for e in events):
            # not a required slot, so the SDK drops its extraction
            events.append(SlotSet(VERIFICATION_KIND, tracker.get_slot(VERIFICATION_KIND)))
        number, value = tracker.get_slot(NUMBER), tracker.get_slot(VERIFICATION)
        kind = tracker.get_slot(VERIFICATION_KIND)
        if (number and value and kind and changed & {NUMBER, VERIFICATION}
                and tracker.get_slot(OUTCOME) is None and CHOICE not in changed):
            results = _lookup_events(dispatcher, number, kind, value)
            tracker.slots.update(results)
            events += [SlotSet(slot, v) for slot, v in results.items()]
        return events


class ActionAskStatusChoice(Action):
    """The form's question when a policy has several claims: a numbered list and buttons."""

    def name(self) -> Text:
        return "action_ask_status_choice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        candidates = tracker.get_slot(CANDIDATES) or []
        dispatcher.utter_message(
            response="utter_status_choose_claim", count=len(candidates),
            claims=status.format_choices(candidates),
            buttons=[{"title": f"{i}. {c['report_no']}",
                      "payload": "/inform" + json.dumps({"report_number": c["report_no"]})}
                     for i, c in enumerate(candidates, start=1)])
        return []


class ActionQueryStatus(Action):
    """Submit of the status form: the chosen claim's status, in plain words."""

    def name(self) -> Text:
        return "action_query_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        done = [SlotSet(NUMBER, None), SlotSet(CHOICE, None), SlotSet(CANDIDATES, None),
                SlotSet(OUTCOME, None)]
        choice = tracker.get_slot(CHOICE)
        kind, value = tracker.get_slot(VERIFICATION_KIND), tracker.get_slot(VERIFICATION)
        if tracker.get_slot(OUTCOME) != "verified" or not (choice and kind and value):
            return done  # locked, unavailable, no claims: already said by the form
        claims, slots = _lookup(dispatcher, choice, kind, value)
        if not claims:
            return done + [SlotSet(slot, v) for slot, v in slots.items() if slot != OUTCOME]
        claim = claims[0]
        client = claims_client()
        try:
            catalogue = client.get_catalogue()
        except (ClaimsApiError, ClaimsApiUnavailable):
            catalogue = []
        response, variables = status.status_reply(claim, catalogue)
        dispatcher.utter_message(response=response, **variables)
        for extra, extra_variables in status.extra_replies(claim):
            dispatcher.utter_message(response=extra, **extra_variables)
        if response == "utter_status_awaiting_materials" and catalogue:
            checklist = next((c for c in catalogue if c["claim_type"] == claim.get("claim_type")),
                             catalogue[0])
            dispatcher.utter_message(response="utter_materials_submission",
                                     submission=materials.format_submission(checklist))
        return done + [SlotSet(VERIFIED_CLAIM, claim["report_no"])]


class ActionStatusReset(Action):
    """Forget an unfinished query (the customer stopped it); the verification stays."""

    def name(self) -> Text:
        return "action_status_reset"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        return [SlotSet(NUMBER, None), SlotSet(CHOICE, None), SlotSet(CANDIDATES, None),
                SlotSet(OUTCOME, None)]


@lru_cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis_url, decode_responses=True,
                                socket_connect_timeout=1.0, socket_timeout=2.0)


def take_pending(client: redis.Redis, conversation_id: str) -> List[str]:
    """Every message kept for the conversation, removed atomically: each is shown once."""
    key = f"{PENDING_PREFIX}{conversation_id}"
    pipe = client.pipeline(transaction=True)
    pipe.lrange(key, 0, -1)
    pipe.delete(key)
    raw, _ = pipe.execute()
    texts = []
    for entry in raw:
        try:
            data = json.loads(entry)
        except ValueError:
            data = entry
        text = data.get("text") if isinstance(data, dict) else data
        if isinstance(text, str) and text:
            texts.append(text)
    return texts


class ActionSessionStart(Action):
    """Rasa's session start (slots carried over as configured; a verification is not) and
    then the progress notices kept for this conversation since its last visit."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        if (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            events += [SlotSet(name, value) for name, value in tracker.slots.items()
                       if value is not None and name not in SESSION_ONLY
                       and name not in ("requested_slot", "session_started_metadata")]
        metadata = tracker.get_slot("session_started_metadata")
        if metadata is not None:
            events.append(SlotSet("session_started_metadata", metadata))
        try:
            for text in take_pending(_redis(), tracker.sender_id):
                dispatcher.utter_message(text=text)
        except redis.RedisError as exc:  # the notices wait for the next visit
            logger.warning("pending notices of %s not read: %s", tracker.sender_id, exc)
        events.append(ActionExecuted("action_listen"))
        return events

"""Validation of the report form (报案): reads every field a message carries, checks each
one (formats, then the Claims API: policy, identity, coverage), re-asks politely with
what is wrong, and picks the next question.

One `validate_<slot>` per field, each returning `{slot: value}` or uttering the problem
and returning `{slot: None}`; `run` orders them and adds the checks that span fields.
The logic itself lives in bot/intake.py.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict

from actions.common import FORM, POLICY_SLOTS, claims_client, label, latest_message, message_time
from bot import intake
from bot.claims_client import ClaimsApiError, ClaimsApiUnavailable, PolicyNotFound

logger = logging.getLogger(__name__)

FAILURES = "intake_failures"
CHECKS = "intake_checks"
PENDING = "intake_checks_pending"
POLICY_INFO = "intake_policy"
PLACE_HINT = "intake_place_hint"


def _activating(tracker: Tracker) -> bool:
    """True when Rasa runs the validation as the form starts: the tracker it sends then
    carries the form's ActiveLoop event after the customer's latest message."""
    if (tracker.active_loop or {}).get("name") != FORM:
        return True
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return False
        if kind == "active_loop" and event.get("name") == FORM:
            return True
    return False


def _answered_now(tracker: Tracker) -> bool:
    """True when the form runs on a fresh customer message (not when it comes back
    after an interruption was answered, where the last message is not for the form)."""
    seen_form = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "action":
            name = event.get("name")
            if name == FORM and not seen_form:
                seen_form = True
                continue
            if name not in ("action_listen", FORM):
                return False
    return True


class ValidateReportForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_report_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        return intake.required_slots(tracker.slots)

    # --- orchestration ------------------------------------------------------------------

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        activating = _activating(tracker)
        requested = None if activating else tracker.get_slot(REQUESTED_SLOT)
        updates: Dict[str, Any] = {}
        before = dict(tracker.slots)

        def update(values: Dict[str, Any]) -> None:
            updates.update(values)
            tracker.slots.update(values)

        if activating:
            if tracker.get_slot("intake_coverage_refused"):
                # Back after a refused coverage: try another policy, keep the story.
                update({slot: None for slot in POLICY_SLOTS})
            resuming = any(tracker.get_slot(s) is not None for s in intake.FIELD_ORDER)
            if resuming:
                dispatcher.utter_message(response="utter_report_resume")
            else:
                upset = any(e.get("entity") == "emotion" for e in
                            (tracker.latest_message or {}).get("entities") or [])
                dispatcher.utter_message(
                    response="utter_report_intro_upset" if upset else "utter_report_intro")
            update({"intake_started": True, "intake_story_told": False})

        extraction = intake.Extraction()
        fresh = _answered_now(tracker)
        message = latest_message(tracker)
        if fresh:
            extraction = intake.extract(message, tracker.slots, requested)
        answered = bool(extraction.values or extraction.cleared or extraction.confirm is not None) or (
            requested in (intake.CONFIRMED, intake.CORRECTION)
            and message.intent not in intake.INTERRUPTIONS | intake.WEAK
            and not message.intent.startswith("EXTERNAL_"))
        if fresh and not answered and not activating:
            # Not an answer: Rasa rejects the form's execution and the rules answer it;
            # the form then comes back to this question.
            return [SlotSet(REQUESTED_SLOT, requested)]

        if extraction.emotion and not activating and (
                extraction.emotion == "angry" or len(message.text) >= 6):
            # (a short answer such as a hospital's name is no emotional message)
            dispatcher.utter_message(response=f"utter_empathy_{extraction.emotion}")
        self._care(dispatcher, tracker, extraction, update)

        # Meta facts about the candidates.
        if extraction.time_grain and intake.TIME in extraction.values:
            update({"intake_incident_time_grain": extraction.time_grain})
        if extraction.casualty_details is not None:
            update({"intake_casualty_details": extraction.casualty_details})
        if intake.CLAIM_TYPE in extraction.values:
            update({"intake_claim_type_source":
                    "stated" if extraction.claim_type_stated else "inferred"})
        for slot in extraction.cleared:
            update({slot: None})

        # Each candidate, in asking order (the policy before the identity that needs it).
        corrected_ok = False
        for slot in intake.FIELD_ORDER:
            if slot not in extraction.values:
                continue
            validate = getattr(self, f"validate_{slot}")
            result = validate(extraction.values[slot], dispatcher, tracker, domain)
            update(result)
            if result.get(slot) is not None and slot in extraction.corrected:
                corrected_ok = True
        if corrected_ok:
            dispatcher.utter_message(response="utter_correction_applied")

        self._cross_checks(dispatcher, tracker, update)
        self._derived(tracker, domain, update)

        # The summary's answer.
        next_slot: Optional[str] = None
        required = intake.required_slots(tracker.slots)
        complete = all(tracker.get_slot(s) is not None for s in required if s != intake.CONFIRMED)
        if fresh and requested in (intake.CONFIRMED, intake.CORRECTION):
            if extraction.confirm is True and not extraction.values and not extraction.cleared:
                if complete:  # else a check just failed: ask that field, then summarise again
                    update({intake.CONFIRMED: True})
            elif not extraction.values and not extraction.cleared:
                dispatcher.utter_message(response="utter_ask_which_correction")
                next_slot = intake.CORRECTION
        if next_slot is None:
            required = intake.required_slots(tracker.slots)
            next_slot = next((s for s in required if tracker.get_slot(s) is None), None)
        # Changed slots, and every candidate of this message (a rejected one as None).
        changed = {k: v for k, v in updates.items() if before.get(k) != v or k in extraction.values}
        if fresh and not changed and dispatcher.messages:
            # The message was answered (e.g. "不对" at the summary → "哪里不对？") without
            # setting a field. Rasa rejects a form run that sets nothing but requested_slot
            # and falls back; an unchanged SlotSet tells it the form handled the message.
            changed[intake.CORRECTION] = tracker.get_slot(intake.CORRECTION)
        return [SlotSet(k, v) for k, v in changed.items()] + [SlotSet(REQUESTED_SLOT, next_slot)]

    # --- per-field validation ------------------------------------------------------------

    def _ok(self, tracker: Tracker, slot: str, value: Any) -> Dict[str, Any]:
        failures = dict(tracker.get_slot(FAILURES) or {})
        failures.pop(slot, None)
        return {slot: value, FAILURES: failures or None}

    def _fail(self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str,
              response: str, **params: Any) -> Dict[str, Any]:
        failures = dict(tracker.get_slot(FAILURES) or {})
        failures[slot] = failures.get(slot, 0) + 1
        dispatcher.utter_message(response=response, **params)
        if failures[slot] >= intake.MAX_FAILURES and failures[slot] % intake.MAX_FAILURES == 0:
            dispatcher.utter_message(response="utter_offer_human")
        return {slot: None, FAILURES: failures}

    def _checked(self, dispatcher, tracker, slot, check: intake.Check) -> Dict[str, Any]:
        if check.ok:
            return self._ok(tracker, slot, check.value)
        return self._fail(dispatcher, tracker, slot, f"utter_invalid_{check.error}", **check.params)

    def validate_intake_description(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return self._checked(dispatcher, tracker, intake.DESCRIPTION, intake.check_text(value, 4))

    def validate_intake_claim_type(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return self._checked(dispatcher, tracker, intake.CLAIM_TYPE, intake.check_claim_type(value))

    def validate_intake_policy_number(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        check = intake.check_policy_number(value)
        if not check.ok:
            return self._checked(dispatcher, tracker, intake.POLICY, check)
        result = {**self._ok(tracker, intake.POLICY, check.value), POLICY_INFO: None, CHECKS: {}}
        try:
            policy = claims_client().get_policy(check.value)
        except PolicyNotFound:
            return self._fail(dispatcher, tracker, intake.POLICY, "utter_invalid_policy_not_found",
                              policy_number=check.value)
        except (ClaimsApiUnavailable, ClaimsApiError) as exc:
            logger.warning("policy lookup unavailable: %s", exc)
            return {**result, **self._unavailable(dispatcher, tracker)}
        return {**result, POLICY_INFO: _policy_info(policy), PENDING: False}

    def validate_intake_insured_name(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return self._checked(dispatcher, tracker, intake.NAME, intake.check_name(value))

    def validate_intake_id_number(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        result = self._checked(dispatcher, tracker, intake.ID_NUMBER, intake.check_id_number(value))
        if result.get(intake.ID_NUMBER):
            result["intake_id_masked"] = intake.mask_id(result[intake.ID_NUMBER])
        return result

    def validate_intake_incident_time(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return self._checked(dispatcher, tracker, intake.TIME,
                             intake.check_incident_time(value, message_time(tracker)))

    def validate_intake_incident_place(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        check = intake.check_place(value, tracker.get_slot(PLACE_HINT))
        if check.error == "place_vague":
            # Told in passing ("我家厨房"): kept as a detail, the place is asked in its turn.
            # As the answer to "where?": asked once more; the next answer is taken.
            hint = {PLACE_HINT: check.params["place"] or ""}
            if tracker.get_slot(REQUESTED_SLOT) != intake.PLACE:
                return {intake.PLACE: None, **(hint if check.params["place"] else {})}
            return {**self._checked(dispatcher, tracker, intake.PLACE, check), **hint}
        result = self._checked(dispatcher, tracker, intake.PLACE, check)
        if result.get(intake.PLACE):
            result[PLACE_HINT] = None
        return result

    def validate_intake_cause(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return self._checked(dispatcher, tracker, intake.CAUSE, intake.check_text(value, 2))

    def validate_intake_loss(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return self._checked(dispatcher, tracker, intake.LOSS, intake.check_text(value, 1))

    def validate_intake_casualties(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        result = self._checked(dispatcher, tracker, intake.CASUALTIES, intake.check_casualties(value))
        if result.get(intake.CASUALTIES) is False:
            result["intake_casualty_details"] = None
        return result

    def validate_intake_plate_number(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return self._checked(dispatcher, tracker, intake.PLATE, intake.check_plate(value))

    def validate_intake_hospital(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return self._checked(dispatcher, tracker, intake.HOSPITAL, intake.check_text(value, 2))

    def validate_intake_contact_phone(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return self._checked(dispatcher, tracker, intake.PHONE, intake.check_phone(value))

    def validate_intake_confirmed(self, value, dispatcher, tracker, domain) -> Dict[str, Any]:
        return {intake.CONFIRMED: True if value is True else None}

    # --- checks across fields -------------------------------------------------------------

    def _unavailable(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[str, Any]:
        """The Claims API is down: keep going, check at filing; say so once."""
        if not tracker.get_slot(PENDING):
            dispatcher.utter_message(response="utter_checks_unavailable")
        return {PENDING: True}

    def _cross_checks(self, dispatcher: CollectingDispatcher, tracker: Tracker, update) -> None:
        policy_no = tracker.get_slot(intake.POLICY)
        if not policy_no:
            return
        client = claims_client()
        policy = tracker.get_slot(POLICY_INFO)
        checks = dict(tracker.get_slot(CHECKS) or {})
        try:
            if policy is None:  # accepted while the API was down: verify now
                try:
                    policy = _policy_info(client.get_policy(policy_no))
                except PolicyNotFound:
                    update(self._fail(dispatcher, tracker, intake.POLICY,
                                      "utter_invalid_policy_not_found", policy_number=policy_no))
                    return
                update({POLICY_INFO: policy, PENDING: False})

            name = tracker.get_slot(intake.NAME)
            if name and checks.get("name") != f"{policy_no}|{name}":
                if client.check_identity(policy_no, insured_name=name):
                    checks["name"] = f"{policy_no}|{name}"
                else:
                    update(self._fail(dispatcher, tracker, intake.NAME, "utter_invalid_name_mismatch"))

            id_number = tracker.get_slot(intake.ID_NUMBER)
            if id_number and checks.get("id") != f"{policy_no}|{id_number}":
                if client.check_identity(policy_no, id_number=id_number):
                    checks["id"] = f"{policy_no}|{id_number}"
                else:
                    update(self._fail(dispatcher, tracker, intake.ID_NUMBER, "utter_invalid_id_mismatch"))

            plate = tracker.get_slot(intake.PLATE)
            if plate and not intake.plate_matches_policy(plate, policy):
                update(self._fail(dispatcher, tracker, intake.PLATE, "utter_invalid_plate_mismatch"))

            incident_time = tracker.get_slot(intake.TIME)
            claim_type = tracker.get_slot(intake.CLAIM_TYPE)
            coverage_key = f"{policy_no}|{incident_time}|{claim_type}"
            if incident_time and claim_type and checks.get("coverage") != coverage_key:
                self._coverage(dispatcher, tracker, update, policy, coverage_key, checks)
        except (ClaimsApiUnavailable, ClaimsApiError) as exc:
            logger.warning("Claims API checks postponed: %s", exc)
            update(self._unavailable(dispatcher, tracker))
        finally:
            update({CHECKS: checks})

    def _coverage(self, dispatcher, tracker, update, policy, key, checks) -> None:
        policy_no, incident_time, claim_type = key.split("|")
        result = claims_client().check_coverage(policy_no, incident_time=incident_time,
                                                claim_type=claim_type)
        if result.get("covered"):
            checks["coverage"] = key
            return
        if result.get("reason") == "line_mismatch" and \
                tracker.get_slot("intake_claim_type_source") != "stated":
            # The type was only guessed from the story: ask before saying it is not covered.
            dispatcher.utter_message(response="utter_claim_type_check",
                                     product=(policy or {}).get("product") or policy_no)
            update({intake.CLAIM_TYPE: None, "intake_claim_type_source": None})
            return
        dispatcher.utter_message(response="utter_coverage_refused",
                                 explanation=result.get("explanation_zh") or "")
        dispatcher.utter_message(response="utter_report_not_filed_refused")
        update({"intake_coverage_refused": True})

    # --- people first ------------------------------------------------------------------

    def _care(self, dispatcher, tracker, extraction: intake.Extraction, update) -> None:
        if extraction.death and not tracker.get_slot("intake_death"):
            dispatcher.utter_message(response="utter_condolence")
            update({"intake_death": True, "intake_care_given": True})
            return
        hurt = extraction.values.get(intake.CASUALTIES) is True or (
            extraction.values.get(intake.CLAIM_TYPE) == "injury")
        if hurt and not tracker.get_slot("intake_care_given"):
            incident_time = extraction.values.get(intake.TIME) or tracker.get_slot(intake.TIME)
            urgent = intake.needs_urgent_care(
                incident_time if isinstance(incident_time, str) and "T" in incident_time else None,
                message_time(tracker))
            dispatcher.utter_message(
                response="utter_injury_first_aid" if urgent else "utter_injury_care")
            update({"intake_care_given": True})

    def _derived(self, tracker: Tracker, domain: DomainDict, update) -> None:
        """Values that follow from others: casualties implied by the type, display forms."""
        claim_type = tracker.get_slot(intake.CLAIM_TYPE)
        implied = intake.implied_casualties(claim_type)
        if implied is not None and tracker.get_slot(intake.CASUALTIES) is None:
            update({intake.CASUALTIES: implied})
        if claim_type == "medical" and tracker.get_slot(intake.PLACE) is None \
                and tracker.get_slot(intake.HOSPITAL):
            update({intake.PLACE: tracker.get_slot(intake.HOSPITAL)})
        incident_time = tracker.get_slot(intake.TIME)
        update({"intake_incident_time_display": intake.time_display(
            incident_time, tracker.get_slot("intake_incident_time_grain")) if incident_time else None})
        casualties = tracker.get_slot(intake.CASUALTIES)
        if casualties is True:
            shown = tracker.get_slot("intake_casualty_details") or label(domain, "utter_label_casualties")
        elif casualties is False:
            shown = label(domain, "utter_label_no_casualties")
        else:
            shown = None
        update({"intake_casualties_display": shown})


def _policy_info(policy: Dict[str, Any]) -> Dict[str, Any]:
    return {key: policy.get(key) for key in ("line", "product", "plate_number", "status")}

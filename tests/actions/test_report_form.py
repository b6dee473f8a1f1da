"""validate_report_form against the real Claims API (subprocess, demo data)."""
from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.report_form import ValidateReportForm
from tests.actions.conftest import at, load_tracker

POLICY = "PDAA202603010000001234"
VEHICLE_POLICY = {"line": "vehicle", "product": "机动车综合商业保险", "plate_number": "京A12345",
                  "status": "active"}
pytestmark = [pytest.mark.usefixtures("intake_stack"), pytest.mark.asyncio]


def yesterday_15() -> str:
    return at(-1, "15:00").isoformat()


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


async def test_validate_report_form_all_in_one_first_message(dispatcher, domain):
    tracker = load_tracker("report_start_all_in_one.json")
    events = await ValidateReportForm().run(dispatcher, tracker, domain)
    assert events == [
        SlotSet("intake_started", True),
        SlotSet("intake_story_told", False),
        SlotSet("intake_incident_time_grain", "hour"),
        SlotSet("intake_claim_type_source", "inferred"),
        SlotSet("intake_description", "我昨天下午三点在建国路被追尾了，后杠撞坏了，没人受伤"),
        SlotSet("intake_claim_type", "vehicle"),
        SlotSet("intake_policy_number", POLICY),
        SlotSet("intake_policy", VEHICLE_POLICY),
        SlotSet("intake_checks", {"coverage": f"{POLICY}|{yesterday_15()}|vehicle"}),
        SlotSet("intake_checks_pending", False),
        SlotSet("intake_incident_time", yesterday_15()),
        SlotSet("intake_incident_place", "建国路"),
        SlotSet("intake_cause", "我被追尾了"),
        SlotSet("intake_loss", "后杠撞坏了"),
        SlotSet("intake_casualties", False),
        SlotSet("intake_contact_phone", "13812345678"),
        SlotSet("intake_incident_time_display", at(-1, "15:00").strftime("%Y-%m-%d %H:%M")),
        SlotSet("intake_casualties_display", "无人员伤亡"),
        SlotSet("requested_slot", "intake_insured_name"),  # the only field the story lacked
    ]
    assert responses(dispatcher) == ["utter_report_intro"]


async def test_validate_report_form_minimal_start_asks_what_happened(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_start_minimal.json"), domain)
    assert events == [SlotSet("intake_started", True), SlotSet("intake_story_told", False),
                      SlotSet("requested_slot", "intake_description")]
    assert responses(dispatcher) == ["utter_report_intro"]


async def test_validate_report_form_injury_puts_emergency_help_first(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_start_injury.json"), domain)
    assert events == [
        SlotSet("intake_started", True),
        SlotSet("intake_story_told", False),
        SlotSet("intake_care_given", True),
        SlotSet("intake_casualty_details", "人受伤了"),
        SlotSet("intake_claim_type_source", "inferred"),
        SlotSet("intake_description", "开车撞了个骑电动车的 人受伤了"),
        SlotSet("intake_claim_type", "vehicle"),
        SlotSet("intake_cause", "开车撞了个骑电动车的"),
        SlotSet("intake_casualties", True),
        SlotSet("intake_casualties_display", "人受伤了"),
        SlotSet("requested_slot", "intake_policy_number"),
    ]
    assert responses(dispatcher) == ["utter_report_intro", "utter_injury_first_aid"]


async def test_validate_report_form_death_gets_condolence_and_human_offer(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_start_death.json"), domain)
    assert SlotSet("intake_death", True) in events
    assert events[-1] == SlotSet("requested_slot", "intake_policy_number")
    assert responses(dispatcher) == ["utter_report_intro_upset", "utter_condolence"]
    offer = domain["responses"]["utter_condolence"][0]["buttons"]
    assert [b["payload"] for b in offer] == ["/request_human"]


async def test_validate_report_form_invalid_phone_reasks_with_reason(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_phone_invalid.json"), domain)
    assert events == [
        SlotSet("intake_contact_phone", None),
        SlotSet("intake_failures", {"intake_contact_phone": 1}),
        SlotSet("requested_slot", "intake_contact_phone"),
    ]
    assert responses(dispatcher) == ["utter_invalid_phone_length"]
    assert dispatcher.messages[0]["digits"] == 10


async def test_validate_report_form_third_failure_offers_a_human(dispatcher, domain):
    tracker = load_tracker("report_phone_invalid.json", intake_failures={"intake_contact_phone": 2})
    events = await ValidateReportForm().run(dispatcher, tracker, domain)
    assert events == [
        SlotSet("intake_contact_phone", None),
        SlotSet("intake_failures", {"intake_contact_phone": 3}),
        SlotSet("requested_slot", "intake_contact_phone"),
    ]
    assert responses(dispatcher) == ["utter_invalid_phone_length", "utter_offer_human"]


async def test_validate_report_form_interruption_is_left_to_the_rules(dispatcher, domain):
    tracker = load_tracker("report_phone_interrupted.json")
    events = await ValidateReportForm().run(dispatcher, tracker, domain)
    # Nothing extracted: Rasa rejects the form, a rule answers, the form asks again.
    assert events == [SlotSet("requested_slot", "intake_contact_phone")]
    assert dispatcher.messages == []


async def test_validate_report_form_unknown_policy(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_policy_unknown.json"), domain)
    assert events == [
        SlotSet("intake_policy_number", None),
        SlotSet("intake_failures", {"intake_policy_number": 1}),
        SlotSet("intake_incident_time_display", at(-1, "15:00").strftime("%Y-%m-%d %H:%M")),
        SlotSet("requested_slot", "intake_policy_number"),
    ]
    assert responses(dispatcher) == ["utter_invalid_policy_not_found"]
    assert dispatcher.messages[0]["policy_number"] == "PDAA202603019999999999"


async def test_validate_report_form_expired_policy_is_explained_and_not_filed(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_policy_expired.json"), domain)
    assert events == [
        SlotSet("intake_policy_number", "PDAA202505150000005678"),
        SlotSet("intake_policy", {"line": "vehicle", "product": "机动车综合商业保险",
                                  "plate_number": "沪B67890", "status": "expired"}),
        SlotSet("intake_checks", {}),
        SlotSet("intake_checks_pending", False),
        SlotSet("intake_coverage_refused", True),
        SlotSet("intake_incident_time_display", at(-1, "15:00").strftime("%Y-%m-%d %H:%M")),
        SlotSet("requested_slot", None),  # the form ends; action_submit_report files nothing
    ]
    assert responses(dispatcher) == ["utter_coverage_refused", "utter_report_not_filed_refused"]
    assert "到期" in dispatcher.messages[0]["explanation"]  # the API's explanation_zh


async def test_validate_report_form_cancelled_policy_is_explained_and_not_filed(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_policy_cancelled.json"), domain)
    assert SlotSet("intake_coverage_refused", True) in events
    assert events[-1] == SlotSet("requested_slot", None)
    assert responses(dispatcher) == ["utter_coverage_refused", "utter_report_not_filed_refused"]
    assert "退保" in dispatcher.messages[0]["explanation"]


async def test_validate_report_form_name_not_matching_the_policy(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_name_mismatch.json"), domain)
    assert events == [
        SlotSet("intake_insured_name", None),
        SlotSet("intake_failures", {"intake_insured_name": 1}),
        SlotSet("requested_slot", "intake_insured_name"),
    ]
    assert responses(dispatcher) == ["utter_invalid_name_mismatch"]


async def test_validate_report_form_id_check_digit(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_id_checksum.json"), domain)
    assert events == [
        SlotSet("intake_id_number", None),
        SlotSet("intake_failures", {"intake_id_number": 1}),
        SlotSet("intake_casualties", True),  # an injury claim: someone is hurt by nature
        SlotSet("intake_casualties_display", "有人员受伤"),
        SlotSet("requested_slot", "intake_id_number"),
    ]
    assert responses(dispatcher) == ["utter_invalid_id_checksum"]


@pytest.mark.parametrize("name,response", [("report_time_future.json", "utter_invalid_time_future"),
                                           ("report_time_too_old.json", "utter_invalid_time_too_old")])
async def test_validate_report_form_incident_time_window(name, response, dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker(name), domain)
    assert SlotSet("intake_incident_time", None) in events
    assert SlotSet("intake_failures", {"intake_incident_time": 1}) in events
    assert events[-1] == SlotSet("requested_slot", "intake_incident_time")
    assert responses(dispatcher) == [response]


async def test_validate_report_form_summary_confirmed(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_summary_affirm.json"), domain)
    assert events == [SlotSet("intake_confirmed", True), SlotSet("requested_slot", None)]
    assert dispatcher.messages == []


async def test_validate_report_form_summary_denied_asks_what_to_change(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_summary_deny.json"), domain)
    # intake_correction (unchanged) is set so that Rasa does not reject the form's run
    assert events == [SlotSet("intake_correction", None), SlotSet("requested_slot", "intake_correction")]
    assert responses(dispatcher) == ["utter_ask_which_correction"]


async def test_validate_report_form_correction_at_summary_confirms_again(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_summary_correction.json"), domain)
    assert events == [SlotSet("intake_contact_phone", "13912345678"),
                      SlotSet("requested_slot", "intake_confirmed")]  # the summary again
    assert responses(dispatcher) == ["utter_correction_applied"]


async def test_validate_report_form_api_down_goes_on_and_says_so(dispatcher, domain, api_down):
    events = await ValidateReportForm().run(dispatcher, load_tracker("report_start_all_in_one.json"), domain)
    assert SlotSet("intake_policy_number", POLICY) in events
    assert SlotSet("intake_checks_pending", True) in events
    assert events[-1] == SlotSet("requested_slot", "intake_insured_name")
    assert responses(dispatcher) == ["utter_report_intro", "utter_checks_unavailable"]


async def test_validate_report_form_after_refusal_tries_another_policy(dispatcher, domain):
    tracker = load_tracker("report_start_minimal.json", intake_description="车昨天被追尾了",
                           intake_claim_type="vehicle", intake_policy_number="PDAA202505150000005678",
                           intake_coverage_refused=True, intake_checks={})
    events = await ValidateReportForm().run(dispatcher, tracker, domain)
    assert events == [SlotSet("intake_policy_number", None), SlotSet("intake_checks", None),
                      SlotSet("intake_coverage_refused", None), SlotSet("intake_started", True),
                      SlotSet("intake_story_told", False),
                      SlotSet("requested_slot", "intake_policy_number")]
    assert responses(dispatcher) == ["utter_report_resume"]


# --- abusive answers ------------------------------------------------------------------------


def answering(slot: str, text: str, **slots):
    """report_phone_invalid.json with `slot` asked (and empty) and `text` as the answer."""
    from rasa_sdk import Tracker

    from tests.actions.conftest import load_json

    state = load_json("report_phone_invalid.json")
    state["slots"].update({"requested_slot": slot, slot: None, **slots})
    state["latest_message"]["text"] = text
    for event in state["events"]:
        if event["event"] == "user":
            event["text"] = event["parse_data"]["text"] = text
        if event["event"] == "slot" and event["name"] == "requested_slot":
            event["value"] = slot
    return Tracker.from_dict(state)


def slot_values(events):
    return {e["name"]: e["value"] for e in events}


@pytest.mark.parametrize(("slot", "text", "value"), [
    ("intake_contact_phone", "138\x001234\u200b5678", "13812345678"),
    ("intake_loss", '<img src=x onerror="window.__xss=1">后杠\x07撞坏了\r\n', "后杠 撞坏了"),
    ("intake_incident_place", "朝阳区建国路\u200b88号<script>alert(1)</script>", "朝阳区建国路 88号"),
])
async def test_validate_report_form_stores_answers_without_control_characters_or_markup(
        dispatcher, domain, slot, text, value):
    events = await ValidateReportForm().run(dispatcher, answering(slot, text), domain)
    assert slot_values(events)[slot] == value
    assert responses(dispatcher) == []


@pytest.mark.parametrize("text", ['<img src=x onerror="window.__xss=1">', "\x00\x07\u200b"])
async def test_validate_report_form_markup_alone_is_no_answer(dispatcher, domain, text):
    """Nothing left once tags and invisible characters go: not an answer, so Rasa hands the
    message to the rules (which reply) and the form asks the same question again."""
    events = await ValidateReportForm().run(dispatcher, answering("intake_loss", text), domain)
    assert events == [SlotSet("requested_slot", "intake_loss")]
    assert dispatcher.messages == []


async def test_validate_report_form_takes_a_very_long_answer_cut_to_2000(dispatcher, domain):
    events = await ValidateReportForm().run(dispatcher, answering("intake_loss", "后杠撞坏了。" * 900), domain)
    assert 0 < len(slot_values(events)["intake_loss"]) <= 2000

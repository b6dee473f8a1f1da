"""The report actions served by the real action server (subprocess), as Rasa calls them."""
from __future__ import annotations

import pytest
import requests

from tests.actions.conftest import load_json
from tests.conversations.stack import start_action_server


@pytest.fixture(scope="module")
def action_server(intake_stack):
    service = start_action_server(intake_stack.work, intake_stack.redis_url, intake_stack.api.url,
                                  intake_stack.prefix)
    yield f"http://127.0.0.1:{service.port}"
    service.stop()


def call(server, action, tracker, domain):
    response = requests.post(f"{server}/webhook", json={
        "next_action": action, "sender_id": tracker["sender_id"], "tracker": tracker, "domain": domain,
        "version": "3.6.21"}, timeout=60)
    response.raise_for_status()
    return response.json()


def test_webhook_validate_report_form_all_in_one(action_server, domain):
    result = call(action_server, "validate_report_form", load_json("report_start_all_in_one.json"), domain)
    slots = {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}
    assert slots["requested_slot"] == "intake_insured_name"
    assert slots["intake_policy_number"] == "PDAA202603010000001234"
    assert [r["response"] for r in result["responses"]] == ["utter_report_intro"]


def test_webhook_interruption_is_rejected_by_the_form(action_server, domain):
    result = call(action_server, "validate_report_form", load_json("report_phone_interrupted.json"), domain)
    assert result["events"] == [{"event": "slot", "timestamp": None, "name": "requested_slot",
                                 "value": "intake_contact_phone"}]
    assert result["responses"] == []


def test_webhook_registers_every_report_action(action_server, domain):
    from rasa.shared.core.domain import Domain  # noqa: F401  (domain fixture loads it)

    for action in ("action_submit_report", "action_repeat_confirmation", "action_keep_or_discard_report",
                   "action_notify_report_filed"):
        response = requests.post(f"{action_server}/webhook", json={
            "next_action": action, "sender_id": "probe", "tracker": load_json("report_next_message.json"),
            "domain": domain, "version": "3.6.21"}, timeout=60)
        assert response.status_code == 200, (action, response.text)


# --- wrong input at /webhook ----------------------------------------------------------------
# rasa-sdk 3.6.2 checks only that the body is JSON; actions/webhook_input.py (attached by the
# rasa_sdk_plugins hook) refuses other shapes with a 400 before rasa-sdk's handler fails on them.


@pytest.mark.parametrize("body", [
    b'{"next_action": ',                                  # truncated JSON
    b"\xff\xfe",                                          # not UTF-8
    b"",                                                  # nothing
])
def test_webhook_refuses_a_body_that_is_not_json(action_server, body):
    response = requests.post(f"{action_server}/webhook", data=body,
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert 400 <= response.status_code < 500, response.text


def test_webhook_unknown_action_is_404(action_server):
    response = requests.post(f"{action_server}/webhook", json={
        "next_action": "action_that_does_not_exist", "tracker": {"sender_id": "probe"}}, timeout=30)
    assert response.status_code == 404, response.text


@pytest.mark.parametrize("body, field", [
    ([], "JSON object"), ("x", "JSON object"), (123, "JSON object"),
    ({"next_action": 5, "tracker": {}}, "`next_action`"),
    ({"next_action": "validate_report_form", "tracker": 5}, "`tracker`"),
    ({"next_action": "validate_report_form", "tracker": {"sender_id": None}}, "`tracker.sender_id`"),
    ({"next_action": "validate_report_form", "tracker": {"sender_id": "a", "slots": []}}, "`tracker.slots`"),
    ({"next_action": "validate_report_form", "tracker": {"sender_id": "a"}, "domain": "x"}, "`domain`"),
])
def test_webhook_wrong_shapes_get_400_naming_the_field(action_server, body, field):
    response = requests.post(f"{action_server}/webhook", json=body, timeout=30)
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]


def test_webhook_still_serves_after_wrong_input(action_server, domain):
    for body in ([], {"next_action": "validate_report_form", "tracker": 5}):
        requests.post(f"{action_server}/webhook", json=body, timeout=30)
    result = call(action_server, "validate_report_form", load_json("report_start_minimal.json"), domain)
    assert [r["response"] for r in result["responses"]] == ["utter_report_intro"]

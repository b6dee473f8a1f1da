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

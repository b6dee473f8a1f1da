"""Filing a report (real Claims API, real Redis outbox) and the actions around it."""
from __future__ import annotations

import json

import pytest
from rasa_sdk.events import SlotSet

from actions.common import REPORT_SLOTS, notices, outbox
from actions.report_filing import (ActionNotifyReportFiled, ActionRepeatConfirmation, ActionSubmitReport,
                                   pending_notice_events)
from actions.report_support import ActionKeepOrDiscardReport
from bot import intake
from tests.actions.conftest import load_tracker

pytestmark = [pytest.mark.usefixtures("intake_stack"), pytest.mark.asyncio]
POLICY = "PDAA202603010000001234"


def cleared(**extra):
    return [SlotSet(slot, None) for slot in REPORT_SLOTS] + [SlotSet(k, v) for k, v in extra.items()]


def claims_of(stack, sender):
    return [c for c in stack.api.claims(POLICY) if c["conversation_id"] == sender]


async def test_submit_report_confirmed(dispatcher, domain, intake_stack):
    tracker = load_tracker("report_confirmed.json")
    tracker.sender_id = "filing-once"
    events = await ActionSubmitReport().run(dispatcher, tracker, domain)

    [claim] = claims_of(intake_stack, "filing-once")
    assert events == cleared(report_attempt=1, report_last_number=claim["report_no"],
                             report_last_outcome="filed")
    assert [m["response"] for m in dispatcher.messages] == ["utter_report_filed"]
    message = dispatcher.messages[0]
    assert message["report_no"] == claim["report_no"]
    assert "驾驶证" in message["materials"] and message["materials_label"] == "车辆损失"
    assert message["next_steps"].startswith("1. ") and message["submission"].startswith("1. ")
    assert "工作日" in message["when"]  # when the next step comes, from GET /stages
    assert (claim["claim_type"], claim["incident_place"], claim["contact_phone"], claim["plate_number"],
            claim["casualties"], claim["channel"]) == ("vehicle", "建国路", "13812345678", "京A12345",
                                                       False, "rest")


async def test_submit_report_twice_with_the_same_attempt_files_one_claim(domain, intake_stack):
    from rasa_sdk.executor import CollectingDispatcher

    numbers = []
    for _ in range(2):  # a channel retry replaying the same conversation state
        dispatcher = CollectingDispatcher()
        tracker = load_tracker("report_confirmed.json")
        tracker.sender_id = "filing-twice"
        await ActionSubmitReport().run(dispatcher, tracker, domain)
        numbers.append(dispatcher.messages[0]["report_no"])
    assert numbers[0] == numbers[1]
    assert len(claims_of(intake_stack, "filing-twice")) == 1


async def test_submit_report_api_down_queues_it_in_the_outbox(dispatcher, domain, api_down):
    tracker = load_tracker("report_confirmed.json")
    tracker.sender_id = "filing-outage"
    events = await ActionSubmitReport().run(dispatcher, tracker, domain)

    assert events == cleared(report_attempt=1, report_last_number=None, report_last_outcome="queued")
    assert [m["response"] for m in dispatcher.messages] == ["utter_report_queued"]
    key = intake.idempotency_key("filing-outage", 0)
    entry = outbox().get(key)
    assert entry["sender_id"] == "filing-outage" and entry["payload"]["policy_no"] == POLICY
    outbox().done(entry)


async def test_submit_report_refused_coverage_files_nothing_and_keeps_the_story(dispatcher, domain,
                                                                               intake_stack):
    events = await ActionSubmitReport().run(dispatcher, load_tracker("report_refused.json"), domain)
    # intake_coverage_refused stays set until the next report starts (a later dispute goes
    # to a human agent, actions/emotion.py); the form then forgets the refused policy.
    assert events == [SlotSet("report_last_outcome", "refused")]
    assert dispatcher.messages == []  # the reason was told when the check failed
    assert intake_stack.api.claims("PDAA202505150000005678") == []


async def test_repeat_confirmation_after_filing(dispatcher, domain):
    events = await ActionRepeatConfirmation().run(dispatcher, load_tracker("report_filed_repeat.json"), domain)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_report_already_filed"]
    assert dispatcher.messages[0]["report_no"] == "BA20261122000001"


async def test_keep_or_discard_report_forgets_when_asked(dispatcher, domain):
    events = await ActionKeepOrDiscardReport().run(dispatcher, load_tracker("report_keep_no.json"), domain)
    assert events == cleared()
    assert [m["response"] for m in dispatcher.messages] == ["utter_report_discarded"]


async def test_keep_or_discard_report_keeps_by_default(dispatcher, domain):
    # "保留吧" read as stop by the NLU: the words decide, and keeping loses nothing.
    events = await ActionKeepOrDiscardReport().run(dispatcher, load_tracker("report_keep_yes.json"), domain)
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_report_kept"]


NOTICE = {"kind": "filed", "report_no": "BA20261122000001", "next_steps": ["请保持电话畅通"],
          "materials": {"label_zh": "车辆损失", "items": [{"name": "驾驶证", "required_when": None}],
                        "submission_methods": [{"name": "线上上传", "how": "在APP上传"}]}}


async def test_notify_report_filed_by_the_outbox(dispatcher, domain):
    tracker = load_tracker("report_external_filed.json")
    notices().push(tracker.sender_id, NOTICE)
    events = await ActionNotifyReportFiled().run(dispatcher, tracker, domain)
    assert events == [SlotSet("report_last_number", "BA20261122000001"), SlotSet("report_last_outcome", "filed")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_report_filed_later"]
    assert dispatcher.messages[0]["materials"] == "1. 驾驶证"
    # Kept until the worker knows it reached the customer (or the next message shows it).
    assert notices().pop_all(tracker.sender_id) == [NOTICE]


async def test_notice_shown_with_the_next_message(dispatcher, domain):
    tracker = load_tracker("report_next_message.json")
    notices().push(tracker.sender_id, NOTICE)
    events = pending_notice_events(dispatcher, tracker)
    assert events == [SlotSet("report_last_number", "BA20261122000001"), SlotSet("report_last_outcome", "filed")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_report_filed_later"]
    assert notices().peek(tracker.sender_id) == []


async def test_no_notice_no_message(dispatcher, domain, redis_client, intake_stack):
    tracker = load_tracker("report_next_message.json")
    assert pending_notice_events(dispatcher, tracker) == []
    assert dispatcher.messages == []
    assert json.loads(json.dumps(list(redis_client.scan_iter(f"{intake_stack.prefix}:notices:*")))) == []

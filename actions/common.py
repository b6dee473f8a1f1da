"""What several actions share: reading the latest message, the outside-system clients
(configured once from the environment by bot.config) and labels kept in the domain."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any, Dict, Optional

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict

from bot import intake
from bot.claims_client import ClaimsClient
from bot.config import get_settings
from bot.outbox import Notices, Outbox, redis_client
from bot.time_resolution import message_time_from

FORM = "report_form"
FORM_SLOTS = [slot for slot in intake.FIELD_ORDER]
# Everything a report keeps while it is being told; cleared when it is filed or dropped.
REPORT_SLOTS = FORM_SLOTS + [
    "intake_correction", "intake_claim_type_source", "intake_policy", "intake_place_hint",
    "intake_incident_time_grain",
    "intake_incident_time_display", "intake_id_masked", "intake_casualty_details",
    "intake_casualties_display", "intake_checks", "intake_checks_pending", "intake_coverage_refused",
    "intake_failures", "intake_care_given", "intake_death", "intake_started",
]


@lru_cache
def claims_client() -> ClaimsClient:
    return ClaimsClient(settings=get_settings())


@lru_cache
def _redis():
    return redis_client(get_settings())


def outbox() -> Outbox:
    return Outbox(_redis(), get_settings().redis_prefix)


def notices() -> Notices:
    return Notices(_redis(), get_settings().redis_prefix)


def message_time(tracker: Tracker) -> dt.datetime:
    """The time the customer wrote (metadata.message_time, as the NLU uses), else now."""
    return message_time_from((tracker.latest_message or {}).get("metadata"))


def latest_message(tracker: Tracker) -> intake.Message:
    latest = tracker.latest_message or {}
    return intake.Message(
        text=latest.get("text") or "",
        intent=(latest.get("intent") or {}).get("name") or "",
        entities=list(latest.get("entities") or []),
        time=message_time(tracker),
    )


def label(domain: DomainDict, response: str) -> Optional[str]:
    """The text of a one-line response used as a label (e.g. in the summary)."""
    variants = (domain.get("responses") or {}).get(response) or []
    return variants[0].get("text") if variants else None


# What a refused coverage check leaves to be asked again: the policy and its checks.
POLICY_SLOTS = [intake.POLICY, intake.NAME, intake.ID_NUMBER, intake.CONFIRMED, "intake_policy",
                "intake_checks", "intake_checks_pending", "intake_coverage_refused", "intake_id_masked",
                "intake_failures"]


def cleared_report() -> Dict[str, Any]:
    return {slot: None for slot in REPORT_SLOTS}

"""Rasa's REST channel, with checked input and no silent failures.

Registered in credentials.yml as `channels.rest.RestInput` (name "rest", so the endpoint
stays `/webhooks/rest/webhook`, shared/contract.md §1). What it adds to Rasa's channel:

- A body that is not a JSON object, or fields of the wrong type, get a 400 that says
  which field is wrong (Rasa's own channel answers 500 to most of them).
- A turn that fails inside Rasa (action server down, Redis down) answers the customer
  with channels.turn_guard's apology instead of an empty list.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.turn_guard import OnNewMessage, agent_of, handle_or_apologise

MAX_MESSAGE_CHARS = 10_000


def body_problem(body: Any) -> Optional[str]:
    """What is wrong with a webhook body, or None when it can be handled."""
    if not isinstance(body, dict):
        return "the body must be a JSON object such as {\"sender\": \"…\", \"message\": \"…\"}"
    sender = body.get("sender")
    if sender is not None and (isinstance(sender, bool) or not isinstance(sender, (str, int))):
        return "`sender` must be a string"
    if isinstance(sender, str) and not sender.strip():
        return "`sender` must not be empty"
    message = body.get("message")
    if not isinstance(message, str):
        return "`message` is required and must be a string"
    if len(message) > MAX_MESSAGE_CHARS:
        return f"`message` is longer than {MAX_MESSAGE_CHARS} characters"
    if body.get("metadata") is not None and not isinstance(body["metadata"], dict):
        return "`metadata` must be a JSON object"
    if body.get("input_channel") is not None and not isinstance(body["input_channel"], str):
        return "`input_channel` must be a string"
    return None


def _json_body(request: Request) -> Any:
    try:
        return request.json
    except Exception:  # noqa: BLE001 - Sanic raises InvalidUsage on malformed JSON
        return None


class RestInput(RasaRestInput):
    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        holder: Dict[str, Blueprint] = {}

        async def guarded(message: UserMessage) -> None:
            blueprint = holder["blueprint"]
            app = next(iter(blueprint.apps)) if blueprint.registered else None
            await handle_or_apologise(on_new_message, message, agent_of(app))

        blueprint = super().blueprint(guarded)
        holder["blueprint"] = blueprint

        @blueprint.middleware("request")
        async def check_body(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST":
                return None
            problem = body_problem(_json_body(request))
            if problem is None:
                return None
            return response.json({"status": "failure", "reason": "BadRequest",
                                  "message": problem, "code": 400}, status=400)

        return blueprint


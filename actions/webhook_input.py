"""Checks the action server's `/webhook` body before rasa-sdk reads it.

rasa-sdk 3.6.2 checks only that the body is JSON; a body of another shape (a list, a
tracker that is not an object, no sender id) fails inside its handler and is answered
with a 500. Only Rasa calls this endpoint, but a wrong call still deserves a 400 that
says what is wrong. Attached to rasa-sdk's Sanic app by its plugin hook
(`rasa_sdk_plugins`, the package name rasa-sdk looks for).
"""
from __future__ import annotations

import json
from typing import Any, Optional

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

WEBHOOK_PATH = "/webhook"


def webhook_problem(body: Any) -> Optional[str]:
    """What is wrong with a `/webhook` body, or None when rasa-sdk can handle it."""
    if not isinstance(body, dict):
        return "the body must be a JSON object with `next_action` and `tracker`"
    if not isinstance(body.get("next_action"), str) or not body["next_action"]:
        return "`next_action` must be the name of an action"
    tracker = body.get("tracker")
    if not isinstance(tracker, dict):
        return "`tracker` must be a JSON object"
    if not isinstance(tracker.get("sender_id"), str):
        return "`tracker.sender_id` must be a string"
    for key, kind in (("slots", dict), ("events", list), ("latest_message", dict)):
        if tracker.get(key) is not None and not isinstance(tracker[key], kind):
            return f"`tracker.{key}` must be a JSON {'object' if kind is dict else 'array'}"
    if body.get("domain") is not None and not isinstance(body["domain"], dict):
        return "`domain` must be a JSON object"
    return None


def attach(app: Sanic) -> None:
    @app.middleware("request")
    async def check_webhook_body(request: Request) -> Optional[HTTPResponse]:
        if request.method != "POST" or request.path != WEBHOOK_PATH:
            return None
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return None  # rasa-sdk answers malformed JSON with its own 400
        problem = webhook_problem(body)
        if problem is None:
            return None
        return response.json({"error": problem, "action_name": None}, status=400)

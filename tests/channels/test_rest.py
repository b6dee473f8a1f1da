"""channels/rest.py: which webhook bodies are refused, and why."""
from __future__ import annotations

import pytest

from channels.rest import MAX_MESSAGE_CHARS, RestInput, body_problem


@pytest.mark.parametrize("body", [
    {"sender": "u1", "message": "我要报案"},
    {"sender": 12345, "message": "我要报案"},
    {"sender": "u1", "message": "", "metadata": {"message_time": "2026-12-07T10:00:00+08:00"}},
    {"sender": "u1", "message": "😭😭😭", "metadata": None, "input_channel": "rest"},
])
def test_acceptable_bodies(body):
    assert body_problem(body) is None


@pytest.mark.parametrize("body, field", [
    ([], "JSON object"), ("我要报案", "JSON object"), (None, "JSON object"), (5, "JSON object"),
    ({"sender": "u1"}, "`message`"), ({"sender": "u1", "message": 5}, "`message`"),
    ({"sender": "u1", "message": ["a"]}, "`message`"), ({"sender": "u1", "message": None}, "`message`"),
    ({"sender": ["u1"], "message": "hi"}, "`sender`"), ({"sender": True, "message": "hi"}, "`sender`"),
    ({"sender": "  ", "message": "hi"}, "`sender`"),
    ({"sender": "u1", "message": "hi", "metadata": "x"}, "`metadata`"),
    ({"sender": "u1", "message": "hi", "input_channel": 3}, "`input_channel`"),
    ({"sender": "u1", "message": "长" * (MAX_MESSAGE_CHARS + 1)}, "longer than"),
])
def test_refused_bodies_name_the_field(body, field):
    assert field in body_problem(body)


def test_keeps_the_contract_url():
    assert RestInput.name() == "rest" and RestInput().url_prefix() == "rest"

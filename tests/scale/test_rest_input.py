"""The REST webhook of a running Rasa (channels/rest.py via credentials.yml) refuses bodies
of the wrong shape with a 400 that names the field, and keeps serving afterwards."""
from __future__ import annotations

import uuid

import pytest
import requests


@pytest.mark.parametrize("body", [
    b"[]", b'"\xe6\x88\x91\xe8\xa6\x81\xe6\x8a\xa5\xe6\xa1\x88"', b"{not json", b"",
    b'{"sender": "x", "message": 5}', b'{"sender": ["x"], "message": "hi"}',
    b'{"sender": "x", "message": "hi", "metadata": "x"}',
])
def test_wrong_bodies_get_400(healthy, body):
    response = requests.post(f"{healthy.url('rasa-1')}/webhooks/rest/webhook", data=body,
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 400, response.text
    assert response.json()["reason"] == "BadRequest"


def test_still_answers_after_wrong_bodies(healthy):
    response = requests.post(f"{healthy.url('rasa-1')}/webhooks/rest/webhook",
                             json={"sender": f"scale-ok-{uuid.uuid4().hex[:6]}", "message": "你好"},
                             timeout=60)
    assert response.status_code == 200 and response.json(), response.text

"""Pages and permissions through the ASGI app (no Rasa needed)."""
import json

import pytest
import redis
from fastapi.testclient import TestClient

from tests.webapp.studio.conftest import MAINTAINER, REDIS_URL, REVIEWER, free_port
from webapp.main import app
from webapp.studio.db import InboxItem, new_session


@pytest.fixture()
def client(project, monkeypatch):
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{free_port()}")  # nobody listens
    return TestClient(app)


def login(client, who):
    response = client.post("/studio/login", data={"username": who[0], "password": who[1]},
                           follow_redirects=False)
    assert response.status_code == 303
    return client


def test_pages_need_login(client):
    response = client.get("/studio/inbox", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/studio/login"
    assert client.get("/studio/api/jobs").status_code == 401
    bad = client.post("/studio/login", data={"username": MAINTAINER[0], "password": "wrong-pass"})
    assert bad.status_code == 401


def test_reviewer_cannot_train_publish_or_evaluate(client):
    login(client, REVIEWER)
    assert client.get("/studio/models").status_code == 200
    assert client.post("/studio/models/train").status_code == 403
    assert client.post("/studio/models/publish", data={"model": "x"}).status_code == 403
    assert client.post("/studio/models/rollback").status_code == 403
    assert client.post("/studio/evaluate", data={"model": "live"}).status_code == 403


def test_inbox_masks_and_escapes(client):
    r = redis.Redis.from_url(REDIS_URL)
    text = "<script>alert(1)</script>电话13812345678"
    event = {"event": "user", "text": text,
             "parse_data": {"intent": {"name": "inform", "confidence": 0.2}}}
    r.xadd("rasa:events", {"sender_id": "xss", "event": "user", "timestamp": "1",
                           "data": json.dumps(event, ensure_ascii=False)})
    login(client, REVIEWER)
    page = client.get("/studio/inbox").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert "13812345678" not in page and "13*******78" in page
    with new_session() as session:
        item = session.query(InboxItem).filter(InboxItem.conversation_id == "xss").one()
    detail = client.get(f"/studio/inbox/{item.id}").text
    assert "13812345678" not in detail and "<script>alert" not in detail
    dismissed = client.post(f"/studio/inbox/{item.id}/dismiss", follow_redirects=False)
    assert dismissed.status_code == 303


def test_annotate_refuses_an_unknown_intent(client):
    with new_session() as session:
        item = InboxItem(norm_text="随便说说啦", text="随便说说啦", reasons="low_confidence",
                         conversation_id="t")
        session.add(item)
        session.commit()
        item_id = item.id
    login(client, REVIEWER)
    response = client.post(f"/studio/inbox/{item_id}/annotate", data={"intent": "no_such_intent"})
    assert response.status_code == 422 and "unknown intent" in response.text


def test_responses_page_lists_and_refuses_bad_placeholders(client):
    login(client, REVIEWER)
    assert "utter_greet" in client.get("/studio/responses").text
    response = client.post("/studio/responses/utter_greet", data={"index": 0, "text": "您好{nope}"})
    assert response.status_code == 422 and "nope" in response.text

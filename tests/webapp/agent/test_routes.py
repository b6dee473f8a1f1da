"""Routes of /agent with a real Redis (db 10) and database; no Rasa server here (the
round trips with Rasa are in tests/e2e_handoff)."""
import json
import queue
import threading
import time

from fastapi.testclient import TestClient

from tests.webapp.agent.conftest import WRITE, conversation_id, login, make_agent
from tests.webapp.agent.test_queue import enqueue
from webapp.agent.queue import session_key
from webapp.agent.security import COOKIE


def receive(ws, predicate, timeout=10.0):
    """The first message the console socket receives that satisfies `predicate`."""
    found: "queue.Queue" = queue.Queue()

    def read():
        while True:
            try:
                message = ws.receive_json()
            except Exception as error:  # noqa: BLE001
                found.put(error)
                return
            if predicate(message):
                found.put(message)
                return

    threading.Thread(target=read, daemon=True).start()
    result = found.get(timeout=timeout)
    assert not isinstance(result, Exception), result
    return result


def test_console_needs_a_login(app_client):
    response = app_client.get("/agent", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/agent/login")
    assert app_client.get("/agent/api/queue").status_code == 401


def test_login_wrong_password(app_client):
    make_agent("xiaowang")
    response = app_client.post("/agent/login", data={"username": "xiaowang", "password": "nope-nope"})
    assert response.status_code == 401 and "用户名或密码不正确" in response.text
    assert COOKIE not in app_client.cookies


def test_login_sets_a_strict_http_only_cookie_and_shows_the_console(app_client):
    make_agent("xiaowang", name="小王")
    response = app_client.post("/agent/login", data={"username": "xiaowang", "password": "secret-pass"},
                               follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/agent" in cookie
    page = app_client.get("/agent")
    assert page.status_code == 200 and "小王" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    config = page.text.split('id="console-config">')[1].split("</script>")[0]
    assert json.loads(config)["agent"] == {"username": "xiaowang", "name": "小王"}
    assert app_client.get("/agent/api/me").json() == {"username": "xiaowang", "name": "小王"}


def test_logout_and_changed_password_end_the_session(agent_client):
    assert agent_client.get("/agent/api/me").status_code == 200
    make_agent_again = __import__("webapp.agent.crud", fromlist=["crud"])
    from webapp.db import new_session
    with new_session() as session:
        make_agent_again.create_agent(session=session, username="xiaowang", password="new-secret",
                                      update=True)
    assert agent_client.get("/agent/api/me").status_code == 401
    login(agent_client, "xiaowang", "new-secret")
    agent_client.post("/agent/logout")
    assert agent_client.get("/agent/api/me").status_code == 401


def test_writes_need_the_console_header(agent_client):
    assert agent_client.post(f"/agent/api/conversations/{conversation_id()}/take").status_code == 403


def test_take_conflicts(agent_client, redis_client):
    cid = conversation_id()
    enqueue(redis_client, cid)
    redis_client.hset(session_key(cid), mapping={"state": "active", "agent": "other"})
    response = agent_client.post(f"/agent/api/conversations/{cid}/take", headers=WRITE)
    assert response.status_code == 409
    assert response.json()["detail"]["holder"] == "other"
    unknown = agent_client.post(f"/agent/api/conversations/{conversation_id()}/take", headers=WRITE)
    assert unknown.status_code == 409


def test_only_the_holder_replies_or_ends(agent_client, redis_client):
    cid = conversation_id()
    enqueue(redis_client, cid)
    redis_client.hset(session_key(cid), mapping={"state": "active", "agent": "other"})
    reply = agent_client.post(f"/agent/api/conversations/{cid}/messages", json={"text": "您好"},
                              headers=WRITE)
    end = agent_client.post(f"/agent/api/conversations/{cid}/end", headers=WRITE)
    assert (reply.status_code, end.status_code) == (409, 409)
    assert redis_client.xlen("chat:outbound") == 0


def test_take_delivers_the_joined_note_even_without_rasa(agent_client, redis_client):
    cid = conversation_id()
    enqueue(redis_client, cid, channel="wechat")
    response = agent_client.post(f"/agent/api/conversations/{cid}/take", headers=WRITE)
    assert response.status_code == 502  # taken; the transcript needs Rasa
    assert redis_client.hget(session_key(cid), "agent") == "xiaowang"
    [(_, note)] = redis_client.xrange("chat:outbound")
    assert (note["channel"], note["kind"], note["event"], note["text"]) == (
        "wechat", "system", "agent_joined", "客服小王已接入，接下来由我为您服务。")


def test_console_socket_needs_the_session(app_client):
    try:
        with app_client.websocket_connect("/agent/ws") as ws:
            ws.receive_json()
        raised = False
    except Exception:  # noqa: BLE001 - closed before accepting
        raised = True
    assert raised


def test_console_socket_sends_queue_changes_and_watched_lines(agent_client, redis_client):
    cid = conversation_id()
    with agent_client.websocket_connect("/agent/ws") as ws:
        first = receive(ws, lambda m: m["type"] == "queue")
        assert first["waiting"] == [] and first["agents_online"] >= 1
        enqueue(redis_client, cid)
        redis_client.xadd("handoff:events", {"type": "queued", "conversation_id": cid,
                                             "handoff_id": "h-" + cid, "at": str(time.time()),
                                             "data": json.dumps({"channel": "socketio"})})
        queued = receive(ws, lambda m: m["type"] == "queue" and m["waiting"])
        assert queued["waiting"][0]["conversation_id"] == cid
        ws.send_json({"type": "watch", "conversation_id": cid})
        time.sleep(0.2)
        event = {"event": "user", "text": "<b>人呢</b>", "timestamp": time.time(),
                 "parse_data": {"intent": {"name": "nlu_fallback"},
                                "entities": [{"entity": "emotion", "value": "angry"}]}}
        redis_client.xadd("rasa:events", {"sender_id": cid, "event": "user",
                                          "timestamp": str(event["timestamp"]),
                                          "data": json.dumps(event, ensure_ascii=False)})
        line = receive(ws, lambda m: m["type"] == "line")
        assert line["line"]["text"] == "<b>人呢</b>" and line["line"]["emotion"] == "angry"
        preview = receive(ws, lambda m: m["type"] == "queue" and m["waiting"]
                          and m["waiting"][0].get("last_text"))
        assert preview["waiting"][0]["last_emotion"] == "angry"


def test_a_new_rasa_session_ends_a_pending_handoff(agent_client, redis_client):
    cid = conversation_id()
    enqueue(redis_client, cid)
    with agent_client.websocket_connect("/agent/ws") as ws:
        receive(ws, lambda m: m["type"] == "queue")
        redis_client.xadd("rasa:events", {"sender_id": cid, "event": "session_started",
                                          "timestamp": str(time.time()), "data": "{}"})
        receive(ws, lambda m: m["type"] == "queue" and not m["waiting"])
    assert redis_client.hget(session_key(cid), "state") == "ended"
    assert redis_client.hget(session_key(cid), "end_reason") == "session_expired"


def test_a_session_start_older_than_the_request_keeps_it(agent_client, redis_client):
    cid = conversation_id()
    started = time.time()
    enqueue(redis_client, cid, at=started + 1)  # requested in the new session
    with agent_client.websocket_connect("/agent/ws") as ws:
        receive(ws, lambda m: m["type"] == "queue")
        redis_client.xadd("rasa:events", {"sender_id": cid, "event": "session_started",
                                          "timestamp": str(started), "data": "{}"})
        redis_client.xadd("handoff:events", {"type": "queued", "conversation_id": cid,
                                             "handoff_id": "h", "at": str(time.time()), "data": "{}"})
        receive(ws, lambda m: m["type"] == "queue" and m["waiting"])
    assert redis_client.hget(session_key(cid), "state") == "waiting"


def test_callback_requests_are_listed_until_done(agent_client, redis_client):
    redis_client.xadd("handoff:events", {
        "type": "callback", "conversation_id": "c9", "handoff_id": "", "at": str(time.time()),
        "data": json.dumps({"reference": "HD202611229999", "phone": "13812345678",
                            "preferred_time": "明天上午", "summary": "想问进度"}, ensure_ascii=False)})
    deadline = time.time() + 10
    while time.time() < deadline:
        callbacks = agent_client.get("/agent/api/queue").json()["callbacks"]
        if callbacks:
            break
        time.sleep(0.2)
    assert [c["reference"] for c in callbacks] == ["HD202611229999"]
    done = agent_client.post("/agent/api/callbacks/HD202611229999/done", headers=WRITE)
    assert done.json() == {"reference": "HD202611229999", "status": "done"}
    assert agent_client.get("/agent/api/queue").json()["callbacks"] == []
    assert agent_client.post("/agent/api/callbacks/HD0/done", headers=WRITE).status_code == 404


def test_static_files_are_whitelisted(app_client):
    assert app_client.get("/agent/static/console.js").status_code == 200
    assert app_client.get("/agent/static/..%2Froutes.py").status_code == 404

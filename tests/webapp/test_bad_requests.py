"""Abusive input at every HTTP endpoint of the web app (chat, agent console, studio): wrong
JSON types, invalid JSON, huge strings, control characters, invalid UTF-8, markup, odd
path and query values. Each gets a clear 4xx (or the page it would get anyway), never a
5xx.

Like tests/claims_api/test_schemathesis.py: in-process (TestClient), with logged-in
sessions (an agent, a studio maintainer) so requests get past authentication, and the
routes enumerated from the app, so a new route is covered without touching this file.
Bodies are built from each route's declared body fields. Redis database 10 (the agent
console tests'); no Rasa (a stand-in answers the console), no training (jobs are stubbed).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import redis
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.webapp.agent.conftest import REDIS_URL, clean
from tests.webapp.agent.test_routes import receive

ROOT = Path(__file__).resolve().parents[2]
HUGE = "长" * 300_000
NASTY = "\x00\x07\u200b\r\n<img src=x onerror=alert(1)>😭"
# A plausible value per path parameter; the bad ones are tried as well.
PATH_VALUES = {"conversation_id": "conv-fuzz", "reference": "HD202601010001", "item_id": "1",
               "key": "no-such-report", "name": "utter_greet", "path": "chat.js"}
BAD_PATH_VALUES = ["%00", "x" * 3000, "%3Cscript%3E", "..%2F..%2Fetc%2Fpasswd", "9" * 40, "-1", "😭"]
JSON_BODIES: List[bytes] = [json.dumps(v).encode() for v in
                            ([], "x", 123, None, True, {"text": 5}, {"text": None},
                             {"text": ["a"]}, {"text": {"a": 1}}, {"text": HUGE})]
RAW_BODIES: List[Tuple[bytes, str]] = [
    (b'{"text": ', "application/json"),                     # truncated JSON
    (b"\xff\xfe\x00\x01", "application/json"),              # not UTF-8
    (b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end", "multipart/form-data; boundary=x"),
    (b"%FF%FE=%00&a", "application/x-www-form-urlencoded"),  # invalid UTF-8 once decoded
]


def _walk(routes: List[Any], prefix: str = "") -> Iterator[Tuple[str, APIRoute]]:
    """(full path, route) of every API route, also inside included routers (FastAPI 0.16x
    keeps an included router as one `_IncludedRouter` entry of `app.routes`)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)


def _routes() -> Dict[Tuple[str, str], APIRoute]:
    from webapp.main import app

    return {(method, path): route for path, route in _walk(app.routes)
            for method in route.methods if method != "HEAD"}


OPERATIONS = sorted(_routes())


def _route(method: str, path: str) -> APIRoute:
    return _routes()[(method, path)]


def _fill(path: str, overrides: Dict[str, str] | None = None) -> str:
    for name, value in {**PATH_VALUES, **(overrides or {})}.items():
        path = path.replace("{" + name + "}", value).replace("{" + name + ":path}", value)
    return path


class RasaStandIn:
    """The Rasa HTTP API as the console uses it: an empty, unpaused conversation."""

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        return {"sender_id": conversation_id, "events": [], "slots": {}, "paused": False}

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        return None

    async def trigger_intent(self, conversation_id: str, intent: str,
                             output_channel: str = "latest") -> Dict[str, Any]:
        return {}


@pytest.fixture
def redis_client_10() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    yield client
    client.close()


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> Iterator[TestClient]:
    """The web app with an agent and a studio maintainer logged in (cookies made directly:
    a logout among the requests must not log the rest out)."""
    work = tmp_path_factory.mktemp("bad-requests")
    project = work / "project"
    project.mkdir()
    for name in ("config.yml", "domain", "data"):  # the studio edits a copy, never the repo
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, project / name)
    redis_client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    clean(redis_client)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WEBAPP_DATABASE_URL", f"sqlite:///{work / 'webapp.db'}")
        patch.setenv("REDIS_URL", REDIS_URL)
        patch.setenv("RASA_URL", "http://127.0.0.1:9")
        patch.setenv("CLAIMS_API_URL", "http://127.0.0.1:9")
        patch.setenv("WEBAPP_SECRET_KEY", "test-secret")
        patch.setenv("STUDIO_SECRET_KEY", "studio-test-secret")
        patch.setenv("STUDIO_PROJECT_DIR", str(project))
        patch.setenv("STUDIO_RESULTS_DIR", str(work / "results"))
        from webapp import db
        from webapp.agent import crud, security, settings
        from webapp.main import app
        from webapp.studio import auth, jobs, rasa_cli
        from webapp.studio.db import InboxItem, init_studio_db, new_session

        db.reset_caches()
        settings.get_settings.cache_clear()
        patch.setattr(jobs, "start", lambda *args, **kwargs: None)  # no training here
        patch.setattr(rasa_cli, "validate", lambda *args, **kwargs: {"ok": True, "problems": []})
        init_studio_db()
        with new_session() as session:
            agent = crud.create_agent(session=session, username="fuzz-agent", password="secret-pass")
            staff = auth.create_user(session=session, username="fuzz-staff", password="secret-pass",
                                     role="maintainer")
            session.add(InboxItem(norm_text="随便说说", text="随便说说", reasons="fallback",
                                  conversation_id="conv-fuzz"))
            session.commit()
            cookies = {security.COOKIE: security.session_token(agent.username, agent.password_hash),
                       auth.COOKIE: auth.session_token(staff)}
        with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
            app.state.agent_console.rasa = RasaStandIn()
            test_client.headers.update({
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                "X-Agent-Console": "1"})
            yield test_client
        db.reset_caches()
        settings.get_settings.cache_clear()
    clean(redis_client)
    redis_client.close()


def _form_bodies(fields: List[str]) -> List[Tuple[bytes, str]]:
    from urllib.parse import urlencode

    values = [HUGE, NASTY, "", "[]", "{\"start\": \"x\"}", "-99999999999999999999999"]
    return [(urlencode({f: v for f in fields}).encode(), "application/x-www-form-urlencoded")
            for v in values]


def _json_field_bodies(fields: List[str]) -> List[bytes]:
    wrong: List[Any] = [5, None, [], {"a": 1}, True, HUGE, NASTY]
    return [json.dumps({f: w for f in fields}).encode() for w in wrong]


def _bodies(route: APIRoute) -> List[Tuple[bytes, str]]:
    bodies = [(b, "application/json") for b in JSON_BODIES] + RAW_BODIES
    params = route.dependant.body_params
    fields = [p.alias for p in params]
    if not fields:
        return bodies
    embedded = len(params) > 1 or getattr(params[0].field_info, "embed", False)
    form = type(params[0].field_info).__name__ in ("Form", "File")
    if form:
        return bodies + _form_bodies(fields)
    model = params[0].field_info.annotation if not embedded else None
    inner = list(getattr(model, "model_fields", {}) or {}) or fields
    return bodies + [(b, "application/json") for b in _json_field_bodies(inner)]


def _parameters(method: str, path: str) -> Tuple[List[str], List[str]]:
    dependant = _route(method, path).dependant
    return [p.alias for p in dependant.path_params], [p.alias for p in dependant.query_params]


WITH_PARAMETERS = [op for op in OPERATIONS if any(_parameters(*op))]


def _check(response, what: str) -> None:
    """Never a 5xx; a JSON refusal says what is wrong, and a refused body also in the
    Chinese the pages show (`message_zh`, or the console's `detail.message`)."""
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
        body = response.json()
        assert body.get("detail"), f"{what}: {response.text[:300]}"
        if response.status_code == 422:
            detail = body["detail"]
            assert body.get("message_zh") or isinstance(detail, dict) and detail.get("message"), \
                f"{what}: {response.text[:300]}"


def test_every_route_is_enumerated() -> None:
    paths = {path for _, path in OPERATIONS}
    assert {"/chat/api/upload", "/agent/api/conversations/{conversation_id}/messages",
            "/studio/inbox/{item_id}/annotate", "/studio/responses/{name}"} <= paths
    assert len(OPERATIONS) >= 30 and len(WITH_PARAMETERS) >= 15


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_wrong_bodies_get_a_clear_answer(client: TestClient, method: str, path: str) -> None:
    url = _fill(path)
    for body, content_type in _bodies(_route(method, path)):
        response = client.request(method, url, content=body, headers={"Content-Type": content_type})
        _check(response, f"{method} {url} {content_type} {body[:80]!r}")


@pytest.mark.parametrize(("method", "path"), WITH_PARAMETERS, ids=[f"{m} {p}" for m, p in WITH_PARAMETERS])
def test_odd_path_and_query_values_get_a_clear_answer(client: TestClient, method: str, path: str) -> None:
    names, queries = _parameters(method, path)
    for bad in BAD_PATH_VALUES:
        url = _fill(path, {name: bad for name in names})
        for query_value in (bad.replace("%", "%25"), HUGE[:5000], NASTY):
            params = {name: query_value for name in queries}
            response = client.request(method, url, params=params)
            _check(response, f"{method} {url[:120]} {str(params)[:80]}")


def test_agent_reply_refusals_are_in_chinese(client: TestClient, redis_client_10) -> None:
    """What the console shows after "发送失败：" is a sentence, not FastAPI's error list."""
    from webapp.agent import texts

    conversation = "conv-reply-check"
    redis_client_10.hset(f"handoff:session:{conversation}", mapping={
        "conversation_id": conversation, "state": "active", "agent": "fuzz-agent", "channel": "rest"})
    url = f"/agent/api/conversations/{conversation}/messages"
    blank = client.post(url, json={"text": " \u3000\n "})
    assert (blank.status_code, blank.json()["detail"]) == (422, {"message": texts.EMPTY_REPLY})
    for body in ({"text": 5}, {"text": "长" * 2001}, {"text": "好的", "id": "<x>"}, []):
        refused = client.post(url, json=body)
        assert refused.status_code == 422 and refused.json()["message_zh"], refused.text


def test_chat_upload_refusals_say_why_in_chinese(client: TestClient) -> None:
    from webapp.chat import texts

    without_file = client.post("/chat/api/upload", data={"session_id": "a" * 32})
    assert (without_file.status_code, without_file.json()["message_zh"]) == (422, texts.UPLOAD_NO_FILE)
    for session_id in ("", "a" * 65, NASTY):
        refused = client.post("/chat/api/upload", data={"session_id": session_id},
                              files={"file": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")})
        assert (refused.status_code, refused.json()["message_zh"]) == (422, texts.UPLOAD_BAD_SESSION)


def test_console_socket_ignores_wrong_messages(client: TestClient) -> None:
    """The console's socket takes `{"type": ...}` objects; anything else is ignored and
    the socket keeps answering."""
    with client.websocket_connect("/agent/ws", headers={"Origin": "http://testserver"}) as ws:
        for message in ("[]", "\"x\"", "123", "null", "{\"type\": 5}", "{\"type\": \"watch\", "
                        "\"conversation_id\": {\"a\": 1}}", "not json", "\x00", HUGE):
            ws.send_text(message)
        ws.send_bytes(b"\xff\xfe")
        ws.send_text(json.dumps({"type": "ping"}))
        assert receive(ws, lambda m: m.get("type") == "pong")

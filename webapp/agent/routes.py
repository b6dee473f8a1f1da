"""Routes of /agent: the agent console for handoffs to human agents.

Pages: `/agent` (the console; login first), `/agent/login`, `/agent/logout`.
JSON API under `/agent/api` (session cookie; writes also need the header
`X-Agent-Console: 1`, which a cross-site form cannot send):

| method, path | |
|---|---|
| GET  /agent/api/queue | waiting and active handoffs, open callback requests |
| GET  /agent/api/conversations/{id} | transcript, emotion trail, fields collected, the claim, the handoff |
| POST /agent/api/conversations/{id}/take | take a waiting conversation (one agent at a time; 409 otherwise) |
| POST /agent/api/conversations/{id}/messages | `{"text", "id"?}`: reply to the customer (holder only) |
| POST /agent/api/conversations/{id}/end | end the handoff: the bot resumes and asks for a rating |
| POST /agent/api/callbacks/{reference}/done | mark a callback request done |
| WS   /agent/ws | live updates (webapp/agent/live.py) |

Agent replies are recorded in the Rasa tracker (a `bot` event with metadata kind=agent)
and delivered through the Redis stream `chat:outbound` (channels/outbound.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Dict, List, Optional
from urllib.parse import urlparse

import httpx
from fastapi import (APIRouter, Depends, FastAPI, Form, HTTPException, Request, WebSocket,
                     WebSocketDisconnect)
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from redis import asyncio as aioredis

from webapp.agent import crud, texts, transcript
from webapp.agent.live import Console, Hub
from webapp.agent.queue import HandoffStore
from webapp.agent.rasa_client import RasaClient, RasaUnavailable, fetch_claim
from webapp.agent.records import RecordKeeper
from webapp.agent.security import COOKIE, read_session_token, session_token
from webapp.agent.settings import Settings, get_settings
from webapp.db import Agent, SessionDep, init_db, new_session

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
# Channels channels/outbound.py can push to; other channels (REST) cannot be reached
# after the fact: their agent replies are only recorded in the tracker.
PUSH_CHANNELS = ("socketio", "wechat")
STATIC_FILES = {"console.js": "text/javascript", "console.css": "text/css",
                "login.css": "text/css"}
templates = Jinja2Templates(directory=str(HERE / "templates"))
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self' ws: wss:; "
                                "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass
class ConsoleState:
    settings: Settings
    redis: aioredis.Redis
    http: httpx.AsyncClient
    store: HandoffStore
    rasa: RasaClient
    hub: Hub
    stop: asyncio.Event
    tasks: List[asyncio.Task]

    async def open_callbacks(self) -> List[Dict[str, Any]]:
        def read() -> List[Dict[str, Any]]:
            with new_session() as session:
                return [{"reference": c.reference, "conversation_id": c.conversation_id,
                         "channel": c.channel, "phone": c.phone, "preferred_time": c.preferred_time,
                         "reason": c.reason, "summary": c.summary,
                         "created_at": c.created_at.timestamp() if c.created_at else None}
                        for c in crud.open_callbacks(session=session)]
        return await asyncio.to_thread(read)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    await asyncio.to_thread(init_db)
    client = aioredis.Redis.from_url(settings.redis_url, decode_responses=True,
                                     socket_timeout=10.0, socket_connect_timeout=5.0)
    http = httpx.AsyncClient()
    store = HandoffStore(client)
    state = ConsoleState(settings, client, http, store, RasaClient(settings, http),
                         None, asyncio.Event(), [])  # type: ignore[arg-type]
    state.hub = Hub(client, store, state.open_callbacks)
    records = RecordKeeper(client)
    state.tasks = [asyncio.create_task(state.hub.follow(state.stop)),
                   asyncio.create_task(state.hub.publish_queue(state.stop)),
                   asyncio.create_task(records.run(state.stop))]
    app.state.agent_console = state
    try:
        yield
    finally:
        state.stop.set()
        for task in state.tasks:
            task.cancel()
        await asyncio.gather(*state.tasks, return_exceptions=True)
        await http.aclose()
        await client.aclose()


router = APIRouter(tags=["agent"], lifespan=lifespan)


# --- who is asking ---------------------------------------------------------------------


def _agent_from_token(token: Optional[str]) -> Optional[Agent]:
    data = read_session_token(token)
    if data is None:
        return None
    with new_session() as session:
        agent = crud.get_agent(session=session, username=data["u"])
    if agent is None or not agent.is_active or agent.password_hash[-10:] != data.get("p"):
        return None
    return agent


def console(request: Request) -> ConsoleState:
    return request.app.state.agent_console


def current_agent(request: Request) -> Agent:
    agent = _agent_from_token(request.cookies.get(COOKIE))
    if agent is None:
        raise HTTPException(401, "not logged in")
    return agent


def console_write(request: Request) -> None:
    if request.headers.get("x-agent-console") != "1":
        raise HTTPException(403, "missing X-Agent-Console header")


StateDep = Annotated[ConsoleState, Depends(console)]
AgentDep = Annotated[Agent, Depends(current_agent)]
WRITE = [Depends(console_write)]


# --- pages -----------------------------------------------------------------------------


def _page(request: Request, name: str, context: Dict[str, Any], status: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


@router.get("/agent", response_class=HTMLResponse, summary="坐席工作台")
def console_page(request: Request) -> Response:
    agent = _agent_from_token(request.cookies.get(COOKIE))
    if agent is None:
        return RedirectResponse("/agent/login", status_code=303)
    config = {"agent": {"username": agent.username, "name": agent.display_name},
              "quickPhrases": texts.QUICK_PHRASES, "reasons": texts.REASONS,
              "emotions": texts.EMOTIONS, "channels": texts.CHANNELS, "states": texts.STATES}
    return _page(request, "console.html", {"agent": agent, "config": config})


@router.get("/agent/login", response_class=HTMLResponse, summary="坐席登录")
def login_page(request: Request) -> HTMLResponse:
    return _page(request, "login.html", {"error": None, "username": ""})


@router.post("/agent/login", response_class=HTMLResponse, include_in_schema=False)
def login(request: Request, session: SessionDep, username: Annotated[str, Form()],
          password: Annotated[str, Form()]) -> Response:
    agent = crud.authenticate(session=session, username=username, password=password)
    if agent is None:
        return _page(request, "login.html", {"error": "用户名或密码不正确", "username": username},
                     status=401)
    response = RedirectResponse("/agent", status_code=303)
    response.set_cookie(COOKIE, session_token(agent.username, agent.password_hash),
                        max_age=int(get_settings().session_hours * 3600), httponly=True,
                        samesite="strict", path="/agent",
                        secure=request.url.scheme == "https")
    return response


@router.post("/agent/logout", include_in_schema=False)
def logout() -> Response:
    response = RedirectResponse("/agent/login", status_code=303)
    response.delete_cookie(COOKIE, path="/agent")
    return response


@router.get("/agent/static/{name}", include_in_schema=False)
def static_file(name: str) -> FileResponse:
    if name not in STATIC_FILES:
        raise HTTPException(404)
    return FileResponse(STATIC_DIR / name, media_type=STATIC_FILES[name],
                        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


# --- API -------------------------------------------------------------------------------


class Reply(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    id: Optional[str] = Field(default=None, pattern=r"^[A-Za-z0-9_-]{8,64}$")


@router.get("/agent/api/me")
def me(agent: AgentDep) -> Dict[str, str]:
    return {"username": agent.username, "name": agent.display_name}


@router.get("/agent/api/queue")
async def read_queue(state: StateDep, agent: AgentDep) -> Dict[str, Any]:
    return await state.hub.queue_snapshot()


async def conversation_view(state: ConsoleState, conversation_id: str) -> Dict[str, Any]:
    try:
        tracker = await state.rasa.tracker(conversation_id)
    except RasaUnavailable as error:
        raise HTTPException(502, f"Rasa unavailable: {error}") from None
    lines = transcript.transcript(tracker.get("events") or [])
    slots = tracker.get("slots") or {}
    report_no = transcript.report_number(slots)
    claim = await fetch_claim(state.settings, state.http, report_no) if report_no else None
    return {"conversation_id": conversation_id, "paused": bool(tracker.get("paused")),
            "handoff": await state.store.session(conversation_id), "lines": lines,
            "emotions": transcript.emotion_trail(lines), "fields": transcript.fields(slots),
            "report_no": report_no, "claim": claim}


@router.get("/agent/api/conversations/{conversation_id}")
async def read_conversation(conversation_id: str, state: StateDep, agent: AgentDep) -> Dict[str, Any]:
    return await conversation_view(state, conversation_id)


def _holder_error(state_name: str, holder: str) -> HTTPException:
    if state_name == "active":
        return HTTPException(409, {"message": "另一位客服正在处理这个会话", "holder": holder})
    return HTTPException(409, {"message": "这个会话不在排队中", "state": state_name or None})


@router.post("/agent/api/conversations/{conversation_id}/take", dependencies=WRITE)
async def take(conversation_id: str, state: StateDep, agent: AgentDep) -> Dict[str, Any]:
    ok, state_name, holder = await state.store.take(conversation_id, agent.username,
                                                    agent.display_name)
    if not ok and holder != agent.username:
        raise _holder_error(state_name, holder)
    session = await state.store.session(conversation_id)
    if ok and session.get("channel") in PUSH_CHANNELS:
        await state.store.deliver(conversation_id, session["channel"],
                                  texts.AGENT_JOINED.format(name=agent.display_name), "system",
                                  f"joined-{session.get('handoff_id')}", event="agent_joined")
    return await conversation_view(state, conversation_id)


@router.post("/agent/api/conversations/{conversation_id}/messages", dependencies=WRITE)
async def reply(conversation_id: str, body: Reply, state: StateDep, agent: AgentDep) -> Dict[str, Any]:
    session = await state.store.session(conversation_id)
    if session.get("state") != "active" or session.get("agent") != agent.username:
        raise _holder_error(session.get("state", ""), session.get("agent", ""))
    text = body.text.strip()
    if not text:
        raise HTTPException(422, {"message": texts.EMPTY_REPLY})
    message_id = body.id or uuid.uuid4().hex
    try:
        await state.rasa.append_events(conversation_id, [{
            "event": "bot", "text": text, "timestamp": time.time(),
            "metadata": {"kind": "agent", "agent": agent.username,
                         "agent_name": agent.display_name, "dedupe_id": message_id}}])
    except RasaUnavailable as error:
        raise HTTPException(502, f"not recorded, not sent: {error}") from None
    delivered = session.get("channel") in PUSH_CHANNELS
    if delivered:
        await state.store.deliver(conversation_id, session["channel"], text, "agent", message_id)
    return {"id": message_id, "delivered": delivered}


@router.post("/agent/api/conversations/{conversation_id}/end", dependencies=WRITE)
async def end(conversation_id: str, state: StateDep, agent: AgentDep) -> Dict[str, Any]:
    ok, state_name, holder = await state.store.end(conversation_id, agent.username, "agent_ended")
    if not ok and not (state_name == "ended" and holder == agent.username):
        raise _holder_error(state_name, holder)
    # Ended in Redis; now the bot. Repeating this after a failure resumes it once.
    try:
        tracker = await state.rasa.tracker(conversation_id)
        if tracker.get("paused"):
            await state.rasa.append_events(conversation_id, [{"event": "resume",
                                                              "timestamp": time.time()}])
            await state.rasa.trigger_intent(conversation_id, "EXTERNAL_handoff_ended")
    except RasaUnavailable as error:
        raise HTTPException(502, f"handoff ended, but the bot did not resume: {error}") from None
    session = await state.store.session(conversation_id)
    if session.get("channel") == "socketio" and ok:
        # The web chat hides its "agent" banner on this note (WeChat has no banner).
        await state.store.deliver(conversation_id, "socketio",
                                  texts.AGENT_LEFT.format(name=agent.display_name), "system",
                                  f"left-{session.get('handoff_id')}", event="agent_left")
    return {"conversation_id": conversation_id, "state": "ended"}


@router.post("/agent/api/callbacks/{reference}/done", dependencies=WRITE)
async def callback_done(reference: str, state: StateDep, agent: AgentDep,
                        session: SessionDep) -> Dict[str, str]:
    callback = crud.close_callback(session=session, reference=reference, agent=agent.username)
    if callback is None:
        raise HTTPException(404, "unknown callback request")
    state.hub.queue_changed()
    return {"reference": callback.reference, "status": callback.status}


# --- live ------------------------------------------------------------------------------


def _same_origin(websocket: WebSocket) -> bool:
    origin = websocket.headers.get("origin")
    if not origin:
        return True  # not a browser
    return urlparse(origin).netloc == websocket.headers.get("host")


@router.websocket("/agent/ws")
async def console_socket(websocket: WebSocket) -> None:
    agent = await asyncio.to_thread(_agent_from_token, websocket.cookies.get(COOKIE))
    if agent is None or not _same_origin(websocket):
        await websocket.close(code=4401)
        return
    await websocket.accept()
    state: ConsoleState = websocket.app.state.agent_console
    console_connection = Console(websocket, agent.username)
    await state.hub.connect(console_connection)
    try:
        while True:
            try:
                message = json.loads(await websocket.receive_text())
            except (ValueError, KeyError):  # not JSON, or a binary frame: ignored
                continue
            if not isinstance(message, dict):
                continue
            if message.get("type") == "watch":
                watched = message.get("conversation_id")
                console_connection.watching = str(watched) if watched else None
            elif message.get("type") == "ping":
                await console_connection.send({"type": "pong"})
    except WebSocketDisconnect:
        pass
    finally:
        await state.hub.disconnect(console_connection)

"""The web chat's socket.io channel: Rasa's SocketIOInput, shared through Redis.

Registered in credentials.yml as `channels.socketio.WebChatInput` (name "socketio", so
the endpoint stays `/socket.io`). What it adds to Rasa's channel:

- The AsyncServer uses python-socketio's `AsyncRedisManager` on `REDIS_URL`, so any
  process (another Rasa instance, the outbound worker, the agent console) can emit to a
  customer's session.
- Each connection joins the room named after its session id, which is the conversation
  id (Rasa 3.6 calls the coroutine `enter_room` without awaiting it, so its rooms never
  form with python-socketio 5).
- On `session_request` the page gets `session_confirm`, then `bot_history` (the
  conversation so far: tracker + delivered outbound messages), then any message that
  waited while it was away (`chat:pending:<id>`).
- `bot_typing` `{"typing": true|false}` brackets the bot's work on each message.
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional

import socketio
from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from redis import asyncio as aioredis
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import webchat_history
from channels.settings import redis_url, socketio_redis_channel
from channels.turn_guard import agent_of, handle_or_apologise
from channels.webchat_store import WebChatStore

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
TYPING_EVENT = "bot_typing"
HISTORY_EVENT = "bot_history"


def valid_session_id(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and SESSION_ID.match(value) else None


def _metadata(value: Any) -> Dict[str, Any]:
    """Message metadata from a page: an object, or its JSON text; anything else is ignored."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _agent(ctx: Any) -> Optional[Any]:
    """The Rasa agent of the app a blueprint is registered on (None before that)."""
    return agent_of(getattr(ctx, "app", None))


class _CountingOutput(SocketIOOutput):
    """Rasa's socket.io output that remembers whether it sent anything this turn, so
    channels.turn_guard need not read the tracker to know the customer got an answer."""

    spoken = False

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.spoken = True
        await super()._send_message(socket_id, response)


class _AppAwareBlueprint(SocketBlueprint):
    """Remembers the Sanic app it is registered on (the agent lives on `app.ctx`)."""

    def register(self, app: Sanic, options: Dict[str, Any]) -> None:
        self.ctx.app = app
        super().register(app, options)


class WebChatInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "WebChatInput":
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            True,  # sessions always persist: the session id is the conversation id
            credentials.get("socketio_path", "/socket.io"),
            credentials.get("jwt_key"),
            credentials.get("jwt_method", "HS256"),
            credentials.get("metadata_key", "metadata"),
            redis_url=credentials.get("redis_url") or redis_url(),
        )

    def __init__(self, *args: Any, redis_url: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redis_url = redis_url
        self._store: Optional[WebChatStore] = None
        self._sessions: Dict[str, str] = {}  # socket id → session id (this process)

    def store(self) -> WebChatStore:
        if self._store is None:
            self._store = WebChatStore(aioredis.Redis.from_url(
                self.redis_url or redis_url(), decode_responses=True, socket_timeout=2.0))
        return self._store

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        manager = (socketio.AsyncRedisManager(self.redis_url, channel=socketio_redis_channel())
                   if self.redis_url else None)
        # cors_allowed_origins=[] leaves CORS to Sanic (rasa run --cors), as Rasa does.
        # allow_upgrades=False: python-engineio's WebSocket transport on Rasa's Sanic 21
        # sends frames browsers reject ("Invalid frame header"), so clients stay on HTTP
        # long-polling (behind a load balancer: sticky sessions per socket id).
        sio = socketio.AsyncServer(async_mode="sanic", cors_allowed_origins=[],
                                   client_manager=manager, allow_upgrades=False)
        blueprint = _AppAwareBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        namespace = self.namespace

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: Dict, auth: Optional[Dict]) -> bool:
            if not self.jwt_key:
                return True
            token = (auth or {}).get("token")
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str, *_: Any) -> None:
            session_id = self._sessions.pop(sid, None)
            if session_id:
                await self.store().disconnected(session_id, sid)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Optional[Dict]) -> None:
            session_id = valid_session_id((data or {}).get("session_id")) or uuid.uuid4().hex
            await self._join(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)
            history = await self._history(blueprint.ctx, session_id)
            await sio.emit(HISTORY_EVENT, {"session_id": session_id, "messages": history},
                           room=sid, namespace=namespace)
            await self._deliver_pending(session_id)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = self._sessions.get(sid) or valid_session_id(data.get("session_id"))
            if session_id is None:
                logger.warning("socket.io message without a session ignored (%s)", sid)
                return
            if sid not in self._sessions:
                await self._join(sid, session_id)
            metadata = _metadata(data.get(self.metadata_key))
            output = _CountingOutput(sio, self.bot_message_evt)
            await sio.emit(TYPING_EVENT, {"typing": True}, room=session_id, namespace=namespace)
            text = data.get("message")
            try:
                await handle_or_apologise(on_new_message, UserMessage(
                    text if isinstance(text, str) else "", output, session_id,
                    input_channel=self.name(), metadata=metadata), _agent(blueprint.ctx))
            finally:
                await sio.emit(TYPING_EVENT, {"typing": False}, room=session_id, namespace=namespace)

        return blueprint

    async def _join(self, sid: str, session_id: str) -> None:
        previous = self._sessions.get(sid)
        if previous and previous != session_id:
            await self.sio.leave_room(sid, previous, namespace=self.namespace)
            await self.store().disconnected(previous, sid)
        await self.sio.enter_room(sid, session_id, namespace=self.namespace)
        self._sessions[sid] = session_id
        await self.store().connected(session_id, sid)

    async def _history(self, ctx: Any, session_id: str) -> List[Dict[str, Any]]:
        events: List[Dict[str, Any]] = []
        agent = _agent(ctx)
        if agent is not None and agent.tracker_store is not None:
            tracker = await agent.tracker_store.retrieve(session_id)
            if tracker is not None:
                events = [event.as_dict() for event in tracker.events]
        outbound = await self.store().history(session_id)
        return webchat_history.merge(webchat_history.from_events(events),
                                     webchat_history.from_outbound(outbound))

    async def _deliver_pending(self, session_id: str) -> None:
        """Messages kept while nobody was connected; LPOP makes each go out once."""
        store = self.store()
        while True:
            payload = await store.take_one(session_id)
            if payload is None:
                return
            await store.record(session_id, payload)
            await self.sio.emit(self.bot_message_evt, payload, room=session_id,
                                namespace=self.namespace)

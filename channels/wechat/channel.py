"""The WeChat Official Account input channel (`/webhooks/wechat/webhook`).

- `GET /webhook`: server URL verification (echo `echostr` when the signature is right).
- `POST /webhook`: every push is checked (signature, fresh timestamp; 403 otherwise),
  decrypted in safe mode, parsed by wechatpy and processed exactly once (Redis).
- The answer is worked out under a time budget (default 3.5 s of WeChat's 5): when ready,
  it goes back in the HTTP response (passive reply, encrypted in safe mode); otherwise
  the request is acknowledged with "success" at once and the answer follows through the
  customer-service message API. Retries of a message already being processed are
  acknowledged without processing.
- Without `WECHAT_TOKEN` the channel starts but its webhook answers 503.

The OpenID is the conversation id; messages reach Rasa with input channel "wechat".
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set

import redis
from redis import asyncio as aioredis
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import create_reply, parse_message

from channels.claims_materials import ClaimMaterials
from channels.wechat import inbound as kinds
from channels.wechat import texts
from channels.wechat.client import WeChatApi
from channels.wechat.config import WeChatConfig
from channels.wechat.dedupe import MessageDeduper, dedupe_key
from channels.wechat.inbound import Inbound, to_inbound
from channels.wechat.menu import MENU_ITEMS
from channels.wechat.options import OptionMemory
from channels.wechat.photos import PhotoFiler
from channels.wechat.output import WeChatOutput
from channels.wechat.render import render, split
from channels.wechat.security import RequestRejected, WeChatSecurity
from channels.turn_guard import agent_of, handle_or_apologise

logger = logging.getLogger(__name__)

CHANNEL = "wechat"
ACK = "success"  # WeChat's "received, nothing to reply" answer
NOT_CONFIGURED = ("WeChat channel is not configured: set WECHAT_TOKEN (and WECHAT_APP_ID, "
                  "WECHAT_APP_SECRET for customer-service messages; WECHAT_AES_KEY for safe mode)")
# The dialogue's slot holding the report filed in this conversation (domain/report.yml);
# `report_number` is accepted too.
REPORT_NUMBER_SLOTS = ("report_last_number", "report_number")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class _Runtime:
    """Clients created inside the server's event loop on first use."""

    def __init__(self, config: WeChatConfig) -> None:
        self.redis = aioredis.Redis.from_url(config.redis_url, socket_timeout=2.0,
                                             socket_connect_timeout=2.0)
        self.deduper = MessageDeduper(self.redis)
        self.options = OptionMemory(self.redis)
        self.api: Optional[WeChatApi] = None
        if config.can_call_api:
            self.api = WeChatApi(config, redis.Redis.from_url(config.redis_url, socket_timeout=5.0))
        self.photos = PhotoFiler(self.redis, self.api, ClaimMaterials())
        # Rasa runs NLU and policies synchronously on the event loop; letting every waiting
        # push into Rasa at once would hold the loop for longer than WeChat's 5 s, and no
        # deadline could fire. Pushes beyond this many wait here (without blocking the loop),
        # and those not done in time go out through the customer-service API.
        self.rasa_slots = asyncio.Semaphore(config.max_concurrent)


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> "WeChatInput":
        return cls(WeChatConfig.load(credentials))

    def __init__(self, config: Optional[WeChatConfig] = None) -> None:
        self.config = config or WeChatConfig.load()
        self.security = WeChatSecurity(self.config)
        self._runtime: Optional[_Runtime] = None
        self._background: Set[asyncio.Task] = set()

    def get_output_channel(self) -> Optional[WeChatOutput]:
        """For pushes that are not a reply (trigger_intent with output_channel=latest)."""
        if not self.config.configured:
            return None
        runtime = self._rt()
        return WeChatOutput(runtime.api, runtime.options)

    # --- HTTP -------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("wechat_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({
                "status": "ok" if self.config.configured else "not_configured",
                "safe_mode": self.config.safe_mode,
                "customer_service_api": self.config.can_call_api,
            })

        @webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self.config.configured:
                return response.json({"detail": NOT_CONFIGURED}, status=503)
            try:
                self.security.verify(request.args)
            except RequestRejected as rejected:
                return response.text(rejected.reason, status=rejected.status)
            return response.text(request.args.get("echostr", ""))

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        return webhook

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        started = time.monotonic()
        if not self.config.configured:
            return response.json({"detail": NOT_CONFIGURED}, status=503)
        try:
            self.security.verify(request.args)
            message = parse_message(self.security.open(request.body, request.args))
        except RequestRejected as rejected:
            logger.warning("WeChat request refused (%s): %s", rejected.status, rejected.reason)
            return response.text(rejected.reason, status=rejected.status)
        except Exception as error:  # noqa: BLE001 - malformed XML
            return response.text(f"malformed message: {type(error).__name__}", status=400)
        if message is None:
            return response.text("empty message", status=400)

        inbound = to_inbound(message)
        if inbound.kind == kinds.IGNORE:
            return response.text(ACK)
        runtime = self._rt()
        key = dedupe_key(message)
        if not await runtime.deduper.first_time(key):
            logger.info("WeChat retry of %s acknowledged without processing", key)
            return response.text(ACK)

        openid = message.source
        work = asyncio.create_task(
            self._answer(inbound, message, key, on_new_message, request.app))
        remaining = self.config.passive_budget - (time.monotonic() - started)
        done, _ = await asyncio.wait({work}, timeout=max(0.0, remaining))
        if work in done:
            chunks = work.result()
            if len(chunks) == 1:
                reply = create_reply(chunks[0], message).render()
                return response.text(self.security.seal(reply, request.args),
                                     content_type="application/xml")
            if chunks:  # more than one message: all through the API, in order
                self._spawn(self._send(openid, chunks))
            return response.text(ACK)
        logger.info("WeChat answer to %s not ready within %.1f s: it follows through the "
                    "customer-service API", key, self.config.passive_budget)
        self._spawn(self._send_when_done(openid, work))
        return response.text(ACK)

    # --- answers ----------------------------------------------------------------------

    async def _answer(self, inbound: Inbound, message: Any, key: str,
                      on_new_message: OnNewMessage, app: Any) -> List[str]:
        """The text messages that answer one push (empty: nothing to say)."""
        openid = message.source
        try:
            if inbound.kind == kinds.SAY:
                return await self._ask_rasa(openid, inbound, key, on_new_message, app)
            if inbound.kind == kinds.WELCOME:
                return await self._reply_with_options(openid, inbound.text or texts.WELCOME, [
                    {"title": item.name, "payload": item.payload} for item in MENU_ITEMS])
            if inbound.kind == kinds.END_SESSION:
                await self._rt().options.forget(openid)
                await on_new_message(UserMessage(
                    inbound.text, CollectingOutputChannel(), openid, input_channel=CHANNEL,
                    message_id=key, metadata={"wechat": {"source": inbound.source}}))
                return []
            if inbound.kind == kinds.IMAGE:
                report_no = await self._report_number(openid, app)
                return split(await self._rt().photos.receive(openid, inbound.media_id or "", report_no))
            return split(inbound.text or "")
        except Exception:  # noqa: BLE001 - the customer still gets an answer
            logger.exception("WeChat message %s could not be answered", key)
            return [texts.SYSTEM_BUSY]

    async def _ask_rasa(self, openid: str, inbound: Inbound, key: str,
                        on_new_message: OnNewMessage, app: Any) -> List[str]:
        text = inbound.text or ""
        metadata: Dict[str, Any] = {"wechat": {"source": inbound.source, "key": key}}
        if inbound.source in ("text", "voice"):
            option = await self._rt().options.resolve(openid, text)
            if option is not None:
                metadata["display_text"] = option.title
                text = option.payload
        collector = CollectingOutputChannel()
        async with self._rt().rasa_slots:
            await handle_or_apologise(on_new_message, UserMessage(
                text, collector, openid, input_channel=CHANNEL, message_id=key,
                metadata=metadata), agent_of(app))
        rendered = render(collector.messages)
        await self._rt().options.remember(openid, rendered.options)
        if await self._rt().photos.has_kept(openid):
            self._spawn(self._file_kept_photos(openid, app))
        return rendered.chunks

    async def _reply_with_options(self, openid: str, text: str,
                                  buttons: List[Dict[str, str]]) -> List[str]:
        rendered = render([{"text": text, "buttons": buttons}])
        await self._rt().options.remember(openid, rendered.options)
        return rendered.chunks

    async def _file_kept_photos(self, openid: str, app: Any) -> None:
        """Photos sent before the report was filed, filed once it is."""
        report_no = await self._report_number(openid, app)
        if report_no:
            message = await self._rt().photos.file_kept(openid, report_no)
            if message:
                await self._send(openid, split(message))

    @staticmethod
    async def _report_number(openid: str, app: Any) -> Optional[str]:
        """The claim filed in this conversation (the dialogue's `report_number` slot)."""
        agent = getattr(app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return None
        tracker = await agent.tracker_store.retrieve(openid)
        if tracker is None:
            return None
        for name in REPORT_NUMBER_SLOTS:
            slot = tracker.slots.get(name)
            if slot is not None and slot.value:
                return str(slot.value)
        return None

    # --- customer-service API ---------------------------------------------------------

    async def _send_when_done(self, openid: str, work: "asyncio.Task[List[str]]") -> None:
        await self._send(openid, await work)

    async def _send(self, openid: str, chunks: List[str]) -> None:
        api = self._rt().api
        if api is None:
            logger.error("Reply to %s lost: %s", openid, NOT_CONFIGURED)
            return
        for chunk in chunks:
            for attempt in (1, 2):
                try:
                    await asyncio.to_thread(api.send_text, openid, chunk)
                    break
                except Exception:  # noqa: BLE001 - retried once, then logged
                    if attempt == 2:
                        logger.exception("Customer-service message to %s failed", openid)
                    else:
                        await asyncio.sleep(0.5)

    # --- helpers ----------------------------------------------------------------------

    def _rt(self) -> _Runtime:
        if self._runtime is None:
            self._runtime = _Runtime(self.config)
        return self._runtime

    def _spawn(self, coroutine: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

"""The web chat in headless Chromium against the real stack: Rasa over socket.io, the
web app, the Claims API, the outbound worker, Redis."""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Iterator, List

import pytest
import redis
import requests

from tests.channels import processes
from tests.channels.claim_script import NAME, OPENING, PHONE, POLICY, answer_for, report_number_in
from webapp.chat import texts

PHONE_VIEWPORT = {"width": 390, "height": 844}
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
BOT_SENDERS = ("bot", "agent", "notice", "system")
BOT_ROWS = ", ".join(f".row.{sender}" for sender in BOT_SENDERS)
BOT_BUBBLES = ", ".join(f".row.{sender} > .bubble" for sender in BOT_SENDERS)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x02" * 4096 + b"\xff\xd9"


class ChatPage:
    """The customer's browser tab."""

    def __init__(self, page, url: str) -> None:
        self.page = page
        self.url = url

    def open(self) -> "ChatPage":
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-history]", timeout=60_000)
        self.page.wait_for_selector("#status.online", timeout=60_000)
        return self

    def reload(self) -> "ChatPage":
        self.page.reload()
        self.page.wait_for_selector("body[data-history]", timeout=60_000)
        return self

    @property
    def session_id(self) -> str:
        return self.page.evaluate("localStorage.getItem('claimChat.sessionId')")

    def bot_texts(self) -> List[str]:
        return self.page.locator(BOT_BUBBLES).all_inner_texts()

    def user_texts(self) -> List[str]:
        return self.page.locator(".row.user .bubble").all_inner_texts()

    def say(self, text: str, timeout: float = 90) -> List[str]:
        """Type and send; returns the bot's new bubbles once it stopped typing."""
        before = self.page.locator(BOT_ROWS).count()
        self.page.fill("#input", text)
        self.page.press("#input", "Enter")
        self.page.wait_for_selector('body[data-bot-busy="0"]', timeout=timeout * 1000)
        return self.bot_texts()[before:]

    def upload(self, name: str, content: bytes, mime: str) -> None:
        self.page.set_input_files("#file", files=[{"name": name, "mimeType": mime, "buffer": content}])

    def toast(self, timeout: float = 30) -> str:
        self.page.wait_for_selector("#toast:not([hidden])", timeout=timeout * 1000)
        return self.page.inner_text("#toast")


@pytest.fixture
def context(browser) -> Iterator:
    ctx = browser.new_context(viewport=PHONE_VIEWPORT, device_scale_factor=2, locale="zh-CN",
                              is_mobile=True, has_touch=True)
    yield ctx
    ctx.close()


@pytest.fixture
def chat(stack, context) -> ChatPage:
    return ChatPage(context.new_page(), f"{stack.webapp_url}/chat").open()


def file_claim_for(stack: processes.ChannelStack, session_id: str) -> str:
    """A claim filed for this conversation, remembered as the dialogue does after filing."""
    body = {
        "policy_no": POLICY, "claim_type": "vehicle", "insured_name": NAME,
        "incident_time": time.strftime("%Y-%m-%dT%H:00:00+08:00", time.localtime(time.time() - 86400)),
        "incident_place": "北京市朝阳区建国路88号", "cause": "追尾", "description": "等红灯时被后车追尾",
        "loss": "后保险杠受损", "casualties": False, "contact_phone": PHONE, "plate_number": "京A12345",
        "channel": "socketio", "conversation_id": session_id,
    }
    response = requests.post(f"{stack.claims_api_url}/claims", json=body, timeout=30, headers={
        "Authorization": f"Bearer {processes.BOT_TOKEN}", "Idempotency-Key": f"web-test-{session_id}"})
    assert response.status_code == 201, response.text
    report_no = response.json()["report_no"]
    requests.post(f"{stack.rasa_url}/conversations/{session_id}/tracker/events", timeout=30,
                  json=[{"event": "slot", "name": "report_last_number", "value": report_no}]).raise_for_status()
    return report_no


def uploaded(stack: processes.ChannelStack, report_no: str) -> List[dict]:
    return processes.http_json(f"{stack.claims_api_url}/claims/{report_no}/materials",
                               processes.STAFF_TOKEN)["data"]


def shoot(page, screenshots: Path, name: str) -> Path:
    path = screenshots / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


# --- the page --------------------------------------------------------------------------------


def test_welcome_chat_and_history_after_reload(stack, chat: ChatPage, screenshots: Path) -> None:
    assert chat.bot_texts()[0] == texts.SCRIPT["welcome"]
    assert chat.page.locator(".choice").all_inner_texts() == [b["title"] for b in texts.SCRIPT["quick_start"]]
    replies = chat.say("你好")
    assert replies and replies[0]
    assert chat.page.is_hidden("#typing")
    session_id = chat.session_id
    assert len(session_id) == 32

    chat.reload()
    assert chat.session_id == session_id
    assert chat.user_texts() == ["你好"]
    assert replies[0] in chat.bot_texts()
    assert texts.SCRIPT["welcome"] not in chat.bot_texts()  # the real history, not a new start


def test_quick_reply_button_sends_its_payload_and_shows_its_title(stack, chat: ChatPage) -> None:
    title = texts.SCRIPT["quick_start"][0]["title"]
    before = chat.page.locator(BOT_ROWS).count()
    chat.page.click(f".choice:text-is('{title}')")
    chat.page.wait_for_selector('body[data-bot-busy="0"]', timeout=90_000)
    assert chat.user_texts() == [title]
    assert chat.page.locator(BOT_ROWS).count() > before
    assert chat.page.locator(".row .choice:not(:disabled)", has_text=title).count() == 0
    events = requests.get(f"{stack.rasa_url}/conversations/{chat.session_id}/tracker", timeout=30).json()["events"]
    [user] = [e for e in events if e["event"] == "user"]
    assert user["text"] == texts.SCRIPT["quick_start"][0]["payload"]
    assert user["parse_data"]["intent"]["name"] == "report_claim"


def test_agent_joins_banner_and_messages_are_never_html(stack, chat: ChatPage, redis_client) -> None:
    assert chat.page.is_hidden("#agent-banner")
    session_id = chat.session_id
    redis_client.xadd(stack.outbound_stream, {"conversation_id": session_id, "channel": "socketio", "kind": "system",
                                        "text": "人工客服小王已接入", "event": "agent_joined"})
    redis_client.xadd(stack.outbound_stream, {"conversation_id": session_id, "channel": "socketio", "kind": "agent",
                                        "text": "<img src=x onerror=\"window.__xss=1\"> 您好，详情见 https://example.com/guide"})
    chat.page.wait_for_selector(".row.agent .bubble", timeout=30_000)
    assert chat.page.is_visible("#agent-banner")
    assert chat.page.inner_text("#agent-banner") == texts.PAGE["agent_banner"]
    bubble = chat.page.locator(".row.agent .bubble")
    assert "<img src=x" in bubble.inner_text()
    assert bubble.locator("img").count() == 0
    assert chat.page.evaluate("window.__xss") is None
    link = bubble.locator("a")
    assert link.get_attribute("href") == "https://example.com/guide"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert chat.page.locator(".row.agent .who").inner_text() == texts.SCRIPT["agent"]

    chat.reload()  # the banner and the agent's message come back with the history
    chat.page.wait_for_selector(".row.agent .bubble")
    assert chat.page.is_visible("#agent-banner")


def test_customer_markup_is_shown_as_typed(stack, chat: ChatPage) -> None:
    """What the customer types is text in their bubble, live and in the history after a
    reload, and never runs; the bot still answers."""
    typed = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    replies = chat.say(typed)
    assert replies and all(replies)
    assert chat.user_texts() == [typed]
    assert chat.page.locator(".row img, .row script").count() == 0
    assert chat.page.evaluate("window.__xss") is None
    chat.reload()
    chat.page.wait_for_selector(".row.user .bubble")
    assert chat.user_texts() == [typed]
    assert chat.page.evaluate("window.__xss") is None


def test_lists_and_links_in_bot_messages(stack, chat: ChatPage, redis_client) -> None:
    redis_client.xadd(stack.outbound_stream, {
        "conversation_id": chat.session_id, "channel": "socketio", "kind": "notice",
        "text": "需要准备：\n1. 驾驶证\n2. 行驶证\n- 现场照片\n详见[材料说明](https://example.com/m)"})
    bubble = chat.page.locator(".row.notice .bubble")
    bubble.wait_for(timeout=30_000)
    assert bubble.locator("ol li").all_inner_texts() == ["驾驶证", "行驶证"]
    assert bubble.locator("ul li").all_inner_texts() == ["现场照片"]
    assert bubble.locator("a").inner_text() == "材料说明"


# --- uploads ---------------------------------------------------------------------------------


def test_upload_before_reporting_is_refused_clearly(stack, chat: ChatPage) -> None:
    chat.upload("scene.jpg", JPEG, "image/jpeg")
    assert chat.toast() == texts.UPLOAD_NO_CLAIM
    assert chat.page.locator(".upload-state.failed").count() == 1


@pytest.mark.parametrize(("name", "content", "mime", "message"), [
    ("big.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024), "image/jpeg", texts.SCRIPT["too_large"]),
    ("animation.gif", b"GIF89a\x01\x00", "image/gif", texts.SCRIPT["wrong_type"]),
])
def test_upload_limits_checked_in_the_page(stack, chat: ChatPage, name, content, mime, message) -> None:
    chat.upload(name, content, mime)
    assert chat.toast() == message
    assert chat.page.locator(".row.user").count() == 0  # nothing was sent


def test_upload_with_content_the_api_refuses(stack, chat: ChatPage) -> None:
    file_claim_for(stack, chat.session_id)
    chat.upload("looks-like.png", b"this is not a picture", "image/png")
    message = chat.toast()
    assert "JPG" in message and "PDF" in message  # the Claims API's own explanation


def test_upload_photo_for_the_claim_of_this_conversation(stack, chat: ChatPage) -> None:
    report_no = file_claim_for(stack, chat.session_id)
    chat.upload("事故现场.jpg", JPEG, "image/jpeg")
    chat.page.wait_for_selector(f".upload-state:text-is('{texts.SCRIPT['uploaded']}')", timeout=30_000)
    note = texts.UPLOAD_RECORDED.format(filename="事故现场.jpg", report_no=report_no)
    chat.page.wait_for_selector(f".row.system .bubble:has-text('{report_no}')", timeout=30_000)
    assert note in chat.bot_texts()
    [stored] = uploaded(stack, report_no)
    assert (stored["filename"], stored["content_type"], stored["size"]) == ("事故现场.jpg", "image/jpeg", len(JPEG))
    assert stored["channel"] == "socketio"


# --- WeChat is not configured in this stack ----------------------------------------------------


def test_wechat_webhook_without_configuration_answers_503(stack) -> None:
    if stack.wechat_configured:
        pytest.skip("attached to a stack with WeChat configured")
    response = requests.post(f"{stack.rasa_url}/webhooks/wechat/webhook", data=b"<xml/>", timeout=10)
    assert response.status_code == 503
    assert "WECHAT_TOKEN" in response.json()["detail"]
    health = requests.get(f"{stack.rasa_url}/webhooks/wechat/", timeout=10).json()
    assert health["status"] == "not_configured"


# --- the whole report, by typing ---------------------------------------------------------------


@pytest.mark.skipif(not processes.domain_has_slot("report_last_number"),
                    reason="the report-intake dialogue (domain/report.yml) is not in the domain yet")
def test_report_a_claim_end_to_end_by_typing(stack, browser, chat: ChatPage, screenshots: Path) -> None:
    said = OPENING
    transcript: List[str] = []
    report_no = None
    for _turn in range(30):
        replies = chat.say(said)
        reply = "\n".join(replies)
        transcript.append(f"客户：{said}\n助手：{reply}")
        report_no = report_number_in(reply)
        if report_no:
            break
        said = answer_for(reply)
        assert said, "no answer for the bot's question:\n" + "\n".join(transcript)
    assert report_no and report_no.startswith("BA"), "\n".join(transcript)
    print("\n".join(transcript))
    phone_shot = shoot(chat.page, screenshots, "chat-phone")

    chat.reload()
    assert any(report_no in text for text in chat.bot_texts())
    assert chat.user_texts()[0] == OPENING

    chat.upload("车辆受损照片.jpg", JPEG, "image/jpeg")
    chat.page.wait_for_selector(f".row.system .bubble:has-text('{report_no}')", timeout=30_000)
    [stored] = uploaded(stack, report_no)
    assert stored["filename"] == "车辆受损照片.jpg"
    claims = processes.http_json(f"{stack.claims_api_url}/claims?policy_no={POLICY}", processes.STAFF_TOKEN)
    [claim] = [c for c in claims if c["report_no"] == report_no]
    assert (claim["channel"], claim["conversation_id"]) == ("socketio", chat.session_id)

    desktop = browser.new_context(viewport=DESKTOP_VIEWPORT, locale="zh-CN")
    try:
        page = desktop.new_page()
        page.goto(chat.url)
        # Let the page finish its own (new) session first, or it may store that id over
        # ours after we set it.
        page.wait_for_selector("body[data-history]", timeout=60_000)
        page.evaluate(f"localStorage.setItem('claimChat.sessionId', {json.dumps(chat.session_id)})")
        desktop_chat = ChatPage(page, chat.url).reload()
        assert any(report_no in text for text in desktop_chat.bot_texts())
        desktop_shot = shoot(page, screenshots, "chat-desktop")
    finally:
        desktop.close()
    assert phone_shot.stat().st_size > 10_000 and desktop_shot.stat().st_size > 10_000


@pytest.fixture(scope="session")
def redis_client(stack) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(stack.redis_url, decode_responses=True)
    yield client
    client.close()


def test_screenshots_of_the_conversation(stack, browser, screenshots: Path) -> None:
    """Phone and desktop screenshots of a conversation (also taken by the end-to-end test,
    which needs the report dialogue)."""
    session_id = uuid.uuid4().hex
    for name, viewport, scale in (("chat-phone-basic", PHONE_VIEWPORT, 2), ("chat-desktop-basic", DESKTOP_VIEWPORT, 1)):
        ctx = browser.new_context(viewport=viewport, device_scale_factor=scale, locale="zh-CN")
        try:
            page = ctx.new_page()
            page.goto(f"{stack.webapp_url}/chat")
            page.evaluate(f"localStorage.setItem('claimChat.sessionId', {json.dumps(session_id)})")
            chat = ChatPage(page, f"{stack.webapp_url}/chat").reload()
            if not chat.user_texts():
                chat.say("你好")
                chat.say("理赔需要准备什么材料？")
            path = shoot(page, screenshots, name)
            assert path.stat().st_size > 10_000
        finally:
            ctx.close()

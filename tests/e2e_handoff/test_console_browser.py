"""The agent console in a real browser (Debian's chromium, driven by Playwright; svc env):
an agent logs in, takes a waiting conversation, replies, and sees the customer's answer
appear live. The customer is a socket.io client of the web chat channel."""
from __future__ import annotations

import re

import pytest

from tests.channels.chat_socket import ChatSocket
from tests.e2e_handoff import texts
from tests.e2e_handoff.stack import AGENTS

playwright = pytest.importorskip("playwright.sync_api", reason="the svc env has Playwright")
TIMEOUT_MS = 30_000


def test_agent_takes_replies_and_sees_the_customer_live(stack, browser):
    customer = ChatSocket(stack.rasa_url)
    customer.open()
    cid = customer.session_id
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        answer = [m.get("text") for m in customer.ask("转人工")]
        assert any(texts.is_("utter_handoff_queued", t) for t in answer), answer

        # Log in.
        page.goto(f"{stack.webapp_url}/agent")
        assert page.url.endswith("/agent/login")
        page.fill("#username", "xiaowang")
        page.fill("#password", AGENTS["xiaowang"][1])
        page.click("#login-button")
        page.wait_for_url(re.compile(r"/agent$"))
        page.wait_for_selector("#connection[data-state='online']")
        assert page.text_content("#agent-name") == "小王"

        # The waiting conversation is in the live queue; take it.
        item = page.locator(f"#waiting-list li[data-conversation-id='{cid}']")
        item.wait_for()
        assert "网页聊天" in item.inner_text()
        item.click()
        page.locator("#take-button").wait_for(state="visible")
        page.click("#take-button")
        page.locator("#reply-form").wait_for(state="visible")
        page.wait_for_selector("body[data-conversation-state='active']")
        page.locator(f"#active-list li[data-conversation-id='{cid}']").wait_for()
        joined = customer.wait("bot_uttered", lambda m: m.get("event") == "agent_joined")
        assert "小王" in joined["text"]

        # Reply with a quick phrase plus text; the customer gets it.
        page.locator("#quick-phrases button").first.click()
        page.fill("#reply-text", "您好，我是客服小王，请问有什么可以帮您？")
        mark = customer.mark()
        page.press("#reply-text", "Enter")
        customer.wait("bot_uttered", lambda m: m.get("kind") == "agent"
                      and m.get("text") == "您好，我是客服小王，请问有什么可以帮您？", after=mark)
        page.locator("#transcript li.sender-agent", has_text="请问有什么可以帮您").wait_for()

        # The customer answers: it appears in the console without a reload.
        page.evaluate("window.__notReloaded = true")
        customer.say("你们也太慢了吧 等了一个多月了 赔款到底什么时候到账")
        line = page.locator("#transcript li.sender-user", has_text="赔款到底什么时候到账")
        line.wait_for()
        assert page.evaluate("window.__notReloaded") is True
        assert "生气" in line.inner_text()  # the emotion badge
        page.locator("#emotion-trail li", has_text="赔款").wait_for()

        # Customer text is shown as text, never as HTML.
        customer.say("<img src=x onerror=\"window.__xss=1\">看看这个")
        page.locator("#transcript li.sender-user", has_text="看看这个").wait_for()
        assert page.locator("#transcript img").count() == 0
        assert page.evaluate("window.__xss") is None

        # End the handoff: the bot resumes and asks the customer for a rating.
        page.once("dialog", lambda dialog: dialog.accept())
        mark = customer.mark()
        page.click("#end-button")
        customer.wait("bot_uttered", lambda m: texts.is_("utter_ask_rating", m.get("text")), after=mark)
        page.wait_for_selector("body[data-conversation-state='ended']")
        # The lists refresh live (a queue snapshot follows each change): wait for it.
        page.locator(f"#active-list li[data-conversation-id='{cid}']").wait_for(state="detached")
    finally:
        page.close()
        customer.close()

"""Customer text in the agent console, in a real browser (Debian's chromium, Playwright):
markup a customer typed appears literally, as text, in every place the console shows it
(waiting list, transcript, emotion trail, fields collected, callback requests) and never
runs. Light: the web app in a thread, Redis db 10, a stand-in for Rasa's tracker API (the
round trip with a real Rasa is tests/e2e_handoff/test_console_browser.py).

Named to run after this package's other modules: once the session's Playwright (sync API)
is started, the main thread has a running event loop, and test_queue / test_records call
asyncio.run()."""
from __future__ import annotations

import time
from typing import Any, Dict, Iterator, List

import pytest

from tests.webapp.agent.conftest import conversation_id, make_agent
from tests.support.webapp_server import webapp_in_thread
from tests.webapp.agent.test_queue import enqueue
from webapp.agent.queue import session_key

pytest.importorskip("playwright.sync_api", reason="the svc env has Playwright")
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


class TrackerStandIn:
    """Rasa's tracker API as the console reads it: a conversation full of markup."""

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        now = time.time()
        user = {"event": "user", "text": f"{XSS}我的车被撞了 气死了", "timestamp": now - 60,
                "parse_data": {"intent": {"name": "report_claim", "confidence": 0.9},
                               "entities": [{"entity": "emotion", "value": "angry"}]}}
        bot = {"event": "bot", "text": f"您说的是：{XSS}", "timestamp": now - 59}
        return {"sender_id": conversation_id, "paused": True, "events": [user, bot],
                "slots": {"intake_incident_place": f"{XSS}建国路"}}

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        return None

    async def trigger_intent(self, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        return {}


@pytest.fixture
def console_url(console_env) -> Iterator[str]:
    from webapp.main import app

    with webapp_in_thread() as url:
        app.state.agent_console.rasa = TrackerStandIn()
        yield url


def test_customer_markup_is_shown_as_text_everywhere(browser, console_url, redis_client):
    from webapp.db import CallbackRequest, new_session

    make_agent("xiaowang", name="小王")
    cid = conversation_id()
    enqueue(redis_client, cid)
    redis_client.hset(session_key(cid), mapping={"last_text": XSS, "summary": XSS})
    with new_session() as session:
        session.add(CallbackRequest(reference="HD202611220001", conversation_id="conv-cb", phone="13812345678",
                                    preferred_time=XSS, summary=XSS))
        session.commit()

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{console_url}/agent/login")
        page.fill("#username", "xiaowang")
        page.fill("#password", "secret-pass")
        page.click("#login-button")
        page.wait_for_selector("#connection[data-state='online']")

        item = page.locator(f"#waiting-list li[data-conversation-id='{cid}']")
        item.wait_for()
        assert XSS in item.inner_text()
        callback = page.locator("#callback-list li[data-reference='HD202611220001']")
        assert callback.inner_text().count(XSS) == 2  # the preferred time and the summary

        item.click()
        page.locator("#transcript li.sender-user").wait_for()
        assert XSS in page.locator("#transcript li.sender-user").inner_text()
        assert XSS in page.locator("#transcript li.sender-bot").inner_text()
        assert XSS[:50] in page.locator("#emotion-trail").inner_text()  # cut to 60 characters
        assert f"{XSS}建国路" in page.locator("#fields").inner_text()

        assert page.locator("img, #transcript script, .items script").count() == 0
        assert page.evaluate("window.__xss") is None
    finally:
        context.close()

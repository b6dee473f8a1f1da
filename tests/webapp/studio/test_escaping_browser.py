"""Customer text in the studio, in a real browser (Debian's chromium, Playwright): markup a
customer typed appears literally in the inbox and on the message's page (text, context)
and never runs. No Rasa: the message comes from the event stream (Redis db 9), as the
event broker writes it."""
from __future__ import annotations

import re

import pytest

from tests.webapp.studio.conftest import REVIEWER
from tests.webapp.studio.test_inbox import _publish, _user, stream  # noqa: F401 (fixture)

pytest.importorskip("playwright.sync_api", reason="the svc env has Playwright")
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>看看这个'


def test_customer_markup_is_shown_as_text(browser, webapp_url, stream):  # noqa: F811
    _publish(stream, "xss-browser", {"event": "bot", "text": "请问还有什么可以帮您？"})
    _publish(stream, "xss-browser", _user(XSS, "inform", 0.2))

    context = browser.new_context(base_url=webapp_url, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/studio/login")
        page.fill("input[name=username]", REVIEWER[0])
        page.fill("input[name=password]", REVIEWER[1])
        page.click("#login")
        page.wait_for_url(re.compile(r"/studio/inbox"))
        link = page.locator("#inbox a", has_text="看看这个")
        assert link.inner_text() == XSS

        link.click()
        page.wait_for_selector("#annotate")
        assert page.locator("#text").inner_text() == XSS
        assert page.locator("#text").get_attribute("data-text") == XSS
        page.locator("#context summary").click()
        assert XSS in page.locator("#context .turn-user").first.inner_text()

        assert page.locator("img").count() == 0
        assert page.evaluate("window.__xss") is None
    finally:
        context.close()

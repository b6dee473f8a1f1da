"""Black-box: abusive customer messages to the running bot over REST (very long, control and
invisible characters, mixed scripts, emoji only, HTML). Each gets a non-empty Chinese reply
without control characters, and the conversation goes on: "我要报案" then starts the report.

The stack is the `live_stack` fixture (conftest.py). One fresh conversation per message,
so that one message's fallback never adds up with another's into a handoff.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import List

import pytest
import yaml

from tests.conversations.stack import Chat

ROOT = Path(__file__).resolve().parents[2]
ABUSIVE = {
    "long": "请问" + "嗯" * 4990 + "？",
    "control": "你好\x00\x07\u200b\r\n请问\r在吗\n",
    "invisible": "\x00\u200b\ufeff",
    "mixed": "請問 claim 流程 how long 要幾天 3天?",
    "emoji": "😭😭😭",
    "thumb": "👍",
    "html": '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>',
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def report_openings() -> List[str]:
    """The texts the report form may open with (domain/report.yml)."""
    responses = yaml.safe_load((ROOT / "domain" / "report.yml").read_text("utf-8"))["responses"]
    return [v["text"] for name in ("utter_report_intro", "utter_report_intro_upset")
            for v in responses[name]]


def texts(replies: list) -> List[str]:
    return [r.get("text") or "" for r in replies]


@pytest.mark.parametrize("kind", sorted(ABUSIVE))
def test_abusive_message_gets_an_answer_and_the_report_still_starts(live_stack, kind):
    chat = Chat(live_stack.rasa_url, f"abuse-{kind}-{uuid.uuid4().hex[:8]}")
    said = texts(chat.say(ABUSIVE[kind]))
    assert said and all(said), chat.dump()
    assert any(CHINESE.search(t) for t in said), chat.dump()
    assert all(t.isprintable() or set(t) & set("\n") for t in said), chat.dump()

    # The report starts now, or already did (DIET reads a tag-only message as report_claim).
    opened = "\n".join(said + texts(chat.say("我要报案")))
    assert any(opening in opened for opening in report_openings()), chat.dump()
    assert (chat.tracker().get("active_loop") or {}).get("name") == "report_form", chat.dump()

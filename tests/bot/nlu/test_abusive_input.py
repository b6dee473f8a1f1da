"""Our NLU components on abusive customer messages: very long, control and invisible
characters, mixed scripts, emoji only, HTML. None may crash; each gives sane output (the
same entities as the clean message, offsets inside the text, nothing from noise).

The components run in pipeline order on one Message, as Rasa runs them, without DIET
(the whole trained pipeline is exercised in tests/nlu and tests/conversations)."""
from __future__ import annotations

import time
from typing import List

import pytest
from rasa.engine.graph import GraphComponent
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.claim_type import ClaimTypeExtractor
from bot.nlu.entity_cleanup import EntityCleanup
from bot.nlu.incident_report import IncidentReportIntent, load_event_cues
from bot.nlu.incident_time import IncidentTimeExtractor
from bot.nlu.script_normalizer import TraditionalToSimplified, blank_invisible
from bot.nlu.structured_entities import StructuredEntityExtractor

REFERENCE_TIME = "2026-11-22T10:00:00+08:00"
POLICY = "PDAA202603010000001234"
HTML = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
ABUSIVE = {
    "long": "我的车在建国路被追尾了，后杠撞坏了。" * 280,                # ~5,000 characters
    "control": "我要\x00报案\x07，保单号PDAA2026\u200b03010000001234\r\n在朝阳区\r建国路\n被追尾",
    "bidi": "\u202e我要报案\u202c\ufeff",
    "surrogate": "我要报案\ud83d",
    "mixed": "我要報案 my car was hit 昨天下午3點 在臺北車站 plate 京A12345",
    "emoji": "😭😭😭",
    "thumb": "👍",
    "family": "👨\u200d👩\u200d👧",
    "html": HTML,
    "invisible": "\x00\x07\u200b",
}


@pytest.fixture(scope="module")
def pipeline(compiled_patterns, claim_type_lexicon, emotion_extractor) -> List[GraphComponent]:
    """config.yml's components of ours, in its order, built as after training."""
    patterns = {name: [p.pattern for p in found] for name, found in compiled_patterns.items()}
    return [
        TraditionalToSimplified(),
        StructuredEntityExtractor({}, None, None, patterns),  # type: ignore[arg-type]
        IncidentTimeExtractor.create({}, None, None, None),  # type: ignore[arg-type]
        ClaimTypeExtractor({}, None, None, claim_type_lexicon),  # type: ignore[arg-type]
        emotion_extractor,
        EntityCleanup(),
        IncidentReportIntent(load_event_cues()),
    ]


def run(pipeline: List[GraphComponent], text: str) -> Message:
    message = Message({TEXT: text, "metadata": {"message_time": REFERENCE_TIME}})
    for component in pipeline:
        if isinstance(component, IncidentReportIntent):  # DIET's guess, which it may correct
            message.set("intent", {"name": "inform", "confidence": 0.9}, add_to_output=True)
        component.process([message])
    return message


@pytest.mark.parametrize("kind", sorted(ABUSIVE))
def test_components_survive_abusive_messages(kind, pipeline):
    raw = ABUSIVE[kind]
    started = time.perf_counter()
    message = run(pipeline, raw)
    assert time.perf_counter() - started < 10
    text = message.get(TEXT)
    assert text == "" or len(text) == len(raw)  # offsets hold against what the customer sent
    assert text == "" or text.isprintable() or set(text) & set("\r\n")
    for entity in message.get(ENTITIES):
        assert 0 <= entity["start"] < entity["end"] <= len(text), entity
        assert entity["value"] not in ("", None)


def test_invisible_characters_do_not_hide_a_number_or_make_a_date(pipeline):
    """A zero-width space inside the policy number hid it, and its "2026" became a time."""
    message = run(pipeline, ABUSIVE["control"])
    values = {e["entity"]: e["value"] for e in message.get(ENTITIES)}
    assert values["policy_number"] == POLICY
    assert "incident_time" not in values


def test_nothing_visible_is_read_as_an_empty_message():
    """Rasa answers an empty message with nlu_fallback; DIET read a lone NUL as affirm."""
    for raw in ("\x00", "\x00\x07\u200b", "\ufeff"):
        message = Message({TEXT: raw})
        TraditionalToSimplified().process([message])
        assert message.get(TEXT) == ""


def test_mixed_scripts_keep_every_entity(pipeline):
    message = run(pipeline, ABUSIVE["mixed"])
    values = {e["entity"]: e["value"] for e in message.get(ENTITIES)}
    assert values["plate_number"] == "京A12345"
    assert values["incident_time"] == "2026-11-21T15:00:00+08:00"
    assert message.get(TEXT).startswith("我要报案 my car")


def test_emoji_only_messages_carry_no_entity_but_emotion(pipeline):
    for kind in ("emoji", "thumb", "family"):
        message = run(pipeline, ABUSIVE[kind])
        assert {e["entity"] for e in message.get(ENTITIES)} <= {"emotion"}
    crying = run(pipeline, "😭😭😭")
    assert [e["value"] for e in crying.get(ENTITIES)] == ["sad"]


def test_html_is_text_with_nothing_extracted(pipeline):
    message = run(pipeline, HTML)
    assert message.get(TEXT) == HTML and message.get(ENTITIES) == []


def test_blank_invisible_is_one_for_one():
    assert blank_invisible("a\x00b\u200bc\r\n") == "a b c\r\n"
    assert blank_invisible("普通的一句话") == "普通的一句话"

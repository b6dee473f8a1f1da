import statistics
import time

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.emotion import CUES_FILE, TRAINING_FILE, CueMatcher, EmotionExtractor, load_cues


def emotion_of(extractor, text):
    message = Message({TEXT: text})
    extractor.process([message])
    found = [e for e in message.get(ENTITIES, []) if e["entity"] == "emotion"]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.fixture(scope="module")
def matcher():
    return CueMatcher(load_cues())


@pytest.mark.parametrize("text, expected", [
    ("都一个月了还没赔，你们干什么吃的", "angry"),
    ("你们这效率太低了吧😡", "angry"),
    ("我好着急啊车还在路中间怎么弄", "anxious"),
    ("我爸昨天出车祸去世了", "sad"),
    ("家里被淹了😭", "sad"),
    ("我爸去世了 你们还拖着不赔 什么东西", "sad"),  # a death is answered as grief first
])
def test_process_emits_emotion(emotion_extractor, text, expected):
    entity = emotion_of(emotion_extractor, text)
    assert entity["value"] == expected
    assert entity["extractor"] == "EmotionExtractor"
    assert 0 <= entity["start"] < entity["end"] <= len(text)


@pytest.mark.parametrize("text", [
    "我要报案", "保单号PDAA202603010000001234", "车险理赔要哪些材料", "滚动条怎么拖",
    "急性阑尾炎住院了 怎么报销", "死亡证明去哪里开", "不着急 你们慢慢审核",
])
def test_process_neutral_message_has_no_emotion(emotion_extractor, text):
    assert emotion_of(emotion_extractor, text) is None


def test_process_flags_abuse_and_bereavement(emotion_extractor):
    abuse = emotion_of(emotion_extractor, "你他妈能不能快点处理")
    assert abuse["value"] == "angry"
    assert abuse["additional_info"] == {"abuse": True, "bereavement": False}
    grief = emotion_of(emotion_extractor, "我母亲上周因病去世了")
    assert grief["value"] == "sad"
    assert grief["additional_info"] == {"abuse": False, "bereavement": True}
    plain = emotion_of(emotion_extractor, "等了一个月还没消息 你们到底在干嘛")
    assert plain["additional_info"] == {"abuse": False, "bereavement": False}


def test_matches_short_cue_as_whole_word_only(matcher):
    assert ("abuse", 0, 1) in matcher.matches("滚 别烦我")
    assert not any(group == "abuse" for group, _, _ in matcher.matches("滚动条拖不动"))


def test_matches_skips_negated_cue(matcher):
    assert not any(group == "anxious" for group, _, _ in matcher.matches("我不着急"))
    assert any(group == "anxious" for group, _, _ in matcher.matches("我非常着急"))


def test_fingerprint_addon_follows_training_inputs(tmp_path):
    copy = tmp_path / "train.yml"
    copy.write_bytes(TRAINING_FILE.read_bytes())
    config = {"training_file": str(copy), "cues_file": str(CUES_FILE)}
    before = EmotionExtractor.fingerprint_addon(config)
    assert EmotionExtractor.fingerprint_addon(config) == before
    copy.write_text(copy.read_text(encoding="utf-8") + "  - 新加的一句\n", encoding="utf-8")
    assert EmotionExtractor.fingerprint_addon(config) != before


def test_process_is_fast(emotion_extractor):
    texts = ["都一个月了还没赔，你们干什么吃的", "我要报案", "我爸昨天出车祸去世了",
             "请问车险理赔需要哪些材料，事故认定书去哪里开？", "急急急 在线等 🙏"] * 40
    durations = []
    for text in texts:
        started = time.perf_counter()
        emotion_of(emotion_extractor, text)
        durations.append(time.perf_counter() - started)
    assert statistics.median(durations) < 0.002

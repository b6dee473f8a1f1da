"""What each push from WeChat means (literal XML in, as wechatpy's own tests do)."""
import pytest
from wechatpy import parse_message

from channels.wechat import inbound, texts
from channels.wechat.dedupe import dedupe_key
from channels.wechat.menu import MENU_ITEMS, item_for_key, menu_definition
from tests.channels.wechat_server import WeChatServer

XML = WeChatServer.xml


def to_inbound(xml: str) -> inbound.Inbound:
    return inbound.to_inbound(parse_message(xml))


def test_text() -> None:
    result = to_inbound(XML("oU", "text", Content="我要报案", MsgId="42"))
    assert (result.kind, result.text, result.source) == (inbound.SAY, "我要报案", "text")


def test_voice_uses_recognition() -> None:
    result = to_inbound(XML("oU", "voice", MediaId="m", Format="amr", Recognition="查进度", MsgId="1"))
    assert (result.kind, result.text, result.source) == (inbound.SAY, "查进度", "voice")


def test_voice_without_recognition() -> None:
    result = to_inbound(XML("oU", "voice", MediaId="m", Format="amr", MsgId="1"))
    assert (result.kind, result.text) == (inbound.REPLY, texts.VOICE_NOT_RECOGNISED)


def test_image() -> None:
    result = to_inbound(XML("oU", "image", PicUrl="http://x/p.jpg", MediaId="media-9", MsgId="1"))
    assert (result.kind, result.media_id) == (inbound.IMAGE, "media-9")


@pytest.mark.parametrize("key", [None, "qrscene_123"])
def test_subscribe(key: str) -> None:
    fields = {"Event": "subscribe"}
    if key:
        fields["EventKey"] = key
    assert to_inbound(XML("oU", "event", **fields)).kind == inbound.WELCOME


def test_unsubscribe_starts_a_new_session() -> None:
    result = to_inbound(XML("oU", "event", Event="unsubscribe"))
    assert (result.kind, result.text) == (inbound.END_SESSION, "/session_start")


@pytest.mark.parametrize("item", MENU_ITEMS, ids=[i.key for i in MENU_ITEMS])
def test_menu_click(item) -> None:
    result = to_inbound(XML("oU", "event", Event="CLICK", EventKey=item.key))
    assert (result.kind, result.text, result.source) == (inbound.SAY, item.payload, f"menu:{item.key}")


@pytest.mark.parametrize("fields", [
    {"Event": "CLICK", "EventKey": "UNKNOWN"},
    {"Event": "VIEW", "EventKey": "https://example.com"},
    {"Event": "LOCATION", "Latitude": "1", "Longitude": "2", "Precision": "3"},
    {"Event": "some_new_event"},
])
def test_other_events_are_ignored(fields: dict) -> None:
    assert to_inbound(XML("oU", "event", **fields)).kind == inbound.IGNORE


@pytest.mark.parametrize("msg_type", ["location", "video", "shortvideo", "link", "file_or_whatever"])
def test_other_messages_get_a_polite_answer(msg_type: str) -> None:
    result = to_inbound(XML("oU", msg_type, MsgId="7"))
    assert (result.kind, result.text) == (inbound.REPLY, texts.UNSUPPORTED_MESSAGE)


def test_dedupe_key_msg_id_or_user_and_time() -> None:
    assert dedupe_key(parse_message(XML("oU", "text", created=100, Content="a", MsgId="77"))) == "msg:77"
    event = parse_message(XML("oU", "event", created=100, Event="CLICK", EventKey="X"))
    assert dedupe_key(event) == "evt:oU:100"


def test_menu_definition_and_keys() -> None:
    menu = menu_definition()
    keys = [b.get("key") for b in menu["button"]] + [
        s["key"] for b in menu["button"] for s in b.get("sub_button", [])]
    assert {i.key for i in MENU_ITEMS} <= set(keys)
    assert len(menu["button"]) <= 3
    assert item_for_key("REPORT_CLAIM").payload == "/report_claim"
    assert [i.name for i in MENU_ITEMS] == ["我要报案", "进度查询", "材料清单", "人工客服"]

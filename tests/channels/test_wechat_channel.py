"""The WeChat channel driven as WeChat's servers drive it: signed (and in safe mode
encrypted) XML pushes to a real Rasa server, WeChat's API played by the stand-in."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional
from urllib.parse import urlparse

import pytest
import requests
from rasa.core.lock_store import RedisLockStore

from channels.wechat import texts
from channels.wechat.menu import MENU_ITEMS
from tests.channels import processes
from tests.channels.claim_script import (
    NAME,
    OPENING,
    PHONE,
    POLICY,
    answer_for,
    report_number_in,
)
from tests.channels.wechat_server import WeChatServer, next_msg_id

# WeChat gives up after 5 s; the channel promises its passive replies well within that.
PASSIVE_LIMIT_SECONDS = 4.5

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x01" * 2048 + b"\xff\xd9"


# --- helpers ------------------------------------------------------------------------------


def tracker(stack: processes.ChannelStack, openid: str) -> Dict[str, Any]:
    response = requests.get(f"{stack.rasa_url}/conversations/{openid}/tracker", timeout=30)
    response.raise_for_status()
    return response.json()


def user_events(stack: processes.ChannelStack, openid: str) -> List[Dict[str, Any]]:
    return [e for e in tracker(stack, openid)["events"] if e["event"] == "user"]


def file_claim_for(stack: processes.ChannelStack, openid: str) -> str:
    """A claim filed through the Claims API for this WeChat conversation, remembered in
    the conversation as the dialogue does after filing (slot report_last_number)."""
    body = {
        "policy_no": POLICY, "claim_type": "vehicle", "insured_name": NAME,
        "incident_time": time.strftime("%Y-%m-%dT%H:00:00+08:00", time.localtime(time.time() - 86400)),
        "incident_place": "北京市朝阳区建国路88号", "cause": "追尾", "description": "等红灯时被后车追尾",
        "loss": "后保险杠受损", "casualties": False, "contact_phone": PHONE, "plate_number": "京A12345",
        "channel": "wechat", "conversation_id": openid,
    }
    response = requests.post(f"{stack.claims_api_url}/claims", json=body, timeout=30, headers={
        "Authorization": f"Bearer {processes.BOT_TOKEN}", "Idempotency-Key": f"wechat-test-{openid}"})
    assert response.status_code == 201, response.text
    report_no = response.json()["report_no"]
    events = [{"event": "slot", "name": "report_last_number", "value": report_no}]
    requests.post(f"{stack.rasa_url}/conversations/{openid}/tracker/events", json=events,
                  timeout=30).raise_for_status()
    return report_no


def uploaded_materials(stack: processes.ChannelStack, report_no: str) -> List[Dict[str, Any]]:
    return processes.http_json(f"{stack.claims_api_url}/claims/{report_no}/materials",
                               processes.STAFF_TOKEN)["data"]


# --- server URL verification and authenticity --------------------------------------------


def test_verify_server_url_echoes_echostr(wechat: WeChatServer) -> None:
    response = wechat.verify_url(echostr="7319281734629")
    assert response.status_code == 200
    assert response.text == "7319281734629"


@pytest.mark.parametrize("tamper", ["signature", "stale", "future"])
def test_verify_server_url_refused(wechat: WeChatServer, tamper: str) -> None:
    kwargs: Dict[str, Any] = {
        "signature": {"signature": "0" * 40},
        "stale": {"timestamp": int(time.time()) - 3600},
        "future": {"timestamp": int(time.time()) + 3600},
    }[tamper]
    response = wechat.verify_url(**kwargs)
    assert response.status_code == 403
    assert "echo" not in response.text


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "safe"])
def test_push_with_wrong_signature_is_refused(stack, wechat: WeChatServer, openid: str,
                                              encrypted: bool) -> None:
    answer = wechat.push(wechat.text(openid, "你好"), encrypted=encrypted, signature="f" * 40)
    assert answer.status == 403
    assert user_events(stack, openid) == []


def test_push_with_stale_timestamp_is_refused(stack, wechat: WeChatServer, openid: str) -> None:
    stale = int(time.time()) - 600
    answer = wechat.push(wechat.text(openid, "你好"), timestamp=stale)
    assert answer.status == 403
    assert answer.body == "stale timestamp"
    assert user_events(stack, openid) == []


def test_encrypted_push_with_wrong_msg_signature_is_refused(stack, wechat: WeChatServer, openid: str) -> None:
    answer = wechat.push(wechat.text(openid, "你好"), encrypted=True, msg_signature="a" * 40)
    assert answer.status == 403
    assert user_events(stack, openid) == []


def test_push_without_signature_is_refused(stack, openid: str, wechat: WeChatServer) -> None:
    response = requests.post(wechat.webhook, data=wechat.text(openid, "你好").encode(), timeout=10)
    assert response.status_code == 403
    assert user_events(stack, openid) == []


# --- messages -----------------------------------------------------------------------------


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "safe"])
def test_text_message_gets_a_passive_reply(stack, wechat: WeChatServer, openid: str, encrypted: bool) -> None:
    msg_id = next_msg_id()
    answer = wechat.push(wechat.text(openid, "你好", msg_id), encrypted=encrypted)
    assert answer.status == 200
    assert answer.content, answer.body
    assert answer.seconds < PASSIVE_LIMIT_SECONDS
    assert answer.reply["ToUserName"] == openid
    assert answer.reply["MsgType"] == "text"
    if encrypted:
        assert "<Encrypt>" in answer.body and "你好" not in answer.body
    [event] = user_events(stack, openid)
    assert event["text"] == "你好"
    assert event["input_channel"] == "wechat"
    assert event["message_id"] == f"msg:{msg_id}"


def test_voice_message_uses_wechats_recognition(stack, wechat: WeChatServer, openid: str) -> None:
    answer = wechat.push(wechat.voice(openid, "你好"))
    assert answer.content
    [event] = user_events(stack, openid)
    assert event["text"] == "你好"
    assert event["metadata"]["wechat"]["source"] == "voice"


def test_voice_message_without_recognition(stack, wechat: WeChatServer, openid: str) -> None:
    answer = wechat.push(wechat.voice(openid, ""))
    assert answer.content == texts.VOICE_NOT_RECOGNISED
    assert user_events(stack, openid) == []


def test_unsupported_message_type(stack, wechat: WeChatServer, openid: str) -> None:
    xml = wechat.xml(openid, "location", Location_X="39.9", Location_Y="116.4", Scale="15",
                     Label="北京市朝阳区", MsgId=str(next_msg_id()))
    answer = wechat.push(xml)
    assert answer.content == texts.UNSUPPORTED_MESSAGE


def test_malformed_xml_is_a_bad_request(wechat: WeChatServer) -> None:
    assert wechat.push("<xml><FromUserName>broken").status == 400


# --- exactly once ---------------------------------------------------------------------------


def test_retry_storm_of_one_msg_id_is_processed_once_and_answered_once(
        stack, wechat: WeChatServer, standin, openid: str) -> None:
    msg_id = next_msg_id()
    xml = wechat.text(openid, "你好", msg_id)
    with ThreadPoolExecutor(max_workers=8) as pool:  # the push and its retries, racing
        answers = list(pool.map(lambda _: wechat.push(xml), range(8)))
    assert [a.status for a in answers] == [200] * 8
    replies = [a for a in answers if a.content]
    assert len(replies) == 1
    assert all(a.acknowledged for a in answers if not a.content)
    time.sleep(1.5)  # nothing may follow through the customer-service API either
    assert standin.messages_to(openid) == []
    events = [e for e in user_events(stack, openid) if e["message_id"] == f"msg:{msg_id}"]
    assert len(events) == 1


def test_event_retry_is_deduplicated_by_user_and_create_time(stack, wechat: WeChatServer, openid: str) -> None:
    created = int(time.time())
    item = MENU_ITEMS[0]
    first = wechat.push(wechat.event(openid, "CLICK", item.key, created=created))
    retry = wechat.push(wechat.event(openid, "CLICK", item.key, created=created))
    assert first.content
    assert retry.acknowledged
    assert len(user_events(stack, openid)) == 1
    later = wechat.push(wechat.event(openid, "CLICK", item.key, created=created + 1))
    assert later.status == 200
    assert len(user_events(stack, openid)) == 2


def test_slow_answer_goes_out_through_the_customer_service_api(
        stack, wechat: WeChatServer, standin, openid: str) -> None:
    """Rasa is still busy with this conversation (another instance holds its lock), so
    the answer is not ready in time: WeChat gets "success" before its 5 s are up, its
    retries are acknowledged without processing, and the answer follows by the API."""
    parsed = urlparse(stack.redis_url)
    locks = RedisLockStore(host=parsed.hostname, port=parsed.port or 6379,
                           db=int(parsed.path.lstrip("/")), key_prefix="lock")
    ticket = locks.issue_ticket(openid, lock_lifetime=30)
    release = threading.Timer(6.0, locks.finish_serving, args=(openid, ticket))
    release.start()
    try:
        msg_id = next_msg_id()
        xml = wechat.text(openid, "你好", msg_id)
        first = wechat.push(xml)
        assert first.acknowledged, first.body
        assert 3.0 <= first.seconds < PASSIVE_LIMIT_SECONDS
        retries = [wechat.push(xml) for _ in range(3)]  # WeChat's three retries
        assert all(r.acknowledged and r.seconds < 1.0 for r in retries)
        [message] = standin.wait_for_messages(openid, 1, timeout=30)
        assert message
    finally:
        release.cancel()
        locks.finish_serving(openid, ticket)
    time.sleep(1.0)
    assert len(standin.messages_to(openid)) == 1
    assert len([e for e in user_events(stack, openid) if e["message_id"] == f"msg:{msg_id}"]) == 1


# --- events and the menu --------------------------------------------------------------------


def test_subscribe_gets_the_welcome_with_numbered_options(stack, wechat: WeChatServer, openid: str) -> None:
    answer = wechat.push(wechat.event(openid, "subscribe"))
    assert answer.content.startswith(texts.WELCOME)
    for number, item in enumerate(MENU_ITEMS, start=1):
        assert f"{number}. {item.name}" in answer.content
    assert texts.OPTIONS_HINT in answer.content
    assert user_events(stack, openid) == []

    choice = wechat.push(wechat.text(openid, "1"))  # the customer answers with a digit
    assert choice.content
    [event] = user_events(stack, openid)
    assert event["text"] == MENU_ITEMS[0].payload
    assert event["metadata"]["display_text"] == MENU_ITEMS[0].name
    assert event["parse_data"]["intent"]["name"] == "report_claim"


@pytest.mark.parametrize("item", MENU_ITEMS, ids=[i.key for i in MENU_ITEMS])
def test_menu_click_starts_the_matching_flow(stack, wechat: WeChatServer, openid: str, item) -> None:
    answer = wechat.push(wechat.event(openid, "CLICK", item.key), encrypted=True)
    assert answer.status == 200
    assert answer.content, "the flow's first message comes back passively"
    [event] = user_events(stack, openid)
    assert event["parse_data"]["intent"]["name"] == item.payload.lstrip("/")
    assert event["metadata"]["wechat"]["source"] == f"menu:{item.key}"


def test_unknown_menu_key_and_view_events_are_acknowledged(stack, wechat: WeChatServer, openid: str) -> None:
    assert wechat.push(wechat.event(openid, "CLICK", "NO_SUCH_KEY")).acknowledged
    assert wechat.push(wechat.event(openid, "VIEW", "https://example.com")).acknowledged
    assert user_events(stack, openid) == []


def test_unsubscribe_ends_the_session(stack, wechat: WeChatServer, openid: str) -> None:
    assert wechat.push(wechat.text(openid, "你好")).content
    answer = wechat.push(wechat.event(openid, "unsubscribe"))
    assert answer.acknowledged
    events = tracker(stack, openid)["events"]
    last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
    assert events[last_user]["text"] == "/session_start"
    assert any(e["event"] == "session_started" for e in events[last_user:])


# --- images as claim materials ----------------------------------------------------------------


def test_photo_sent_before_the_report_is_filed_once_there_is_one(
        stack, wechat: WeChatServer, standin, openid: str) -> None:
    standin.add_media(f"early-{openid}", JPEG, "image/jpeg", "early.jpg")
    answer = wechat.push(wechat.image(openid, f"early-{openid}"))
    assert answer.content == texts.IMAGE_KEPT
    report_no = file_claim_for(stack, openid)  # the report is filed
    assert wechat.push(wechat.text(openid, "你好")).content  # the customer's next message
    [message] = standin.wait_for_messages(openid, 1, timeout=30)
    assert message == texts.IMAGES_FILED_LATER.format(count=1, report_no=report_no)
    [stored] = uploaded_materials(stack, report_no)
    assert stored["filename"] == "early.jpg"


def test_photo_the_claims_api_refuses_is_explained(stack, wechat: WeChatServer, standin, openid: str) -> None:
    file_claim_for(stack, openid)
    standin.add_media(f"gif-{openid}", b"GIF89a\x01\x00\x01\x00", "image/gif", "a.gif")
    answer = wechat.push(wechat.image(openid, f"gif-{openid}"))
    assert "JPG" in answer.content and "PDF" in answer.content  # the API's message_zh


def test_image_during_a_claim_is_filed_as_material(stack, wechat: WeChatServer, standin, openid: str) -> None:
    report_no = file_claim_for(stack, openid)
    media_id = f"media-{openid}"
    standin.add_media(media_id, JPEG, "image/jpeg", "IMG_20261121_1530.jpg")
    answer = wechat.push(wechat.image(openid, media_id), encrypted=True)
    assert answer.content == texts.IMAGE_SAVED.format(report_no=report_no)
    [stored] = uploaded_materials(stack, report_no)
    assert stored["filename"] == "IMG_20261121_1530.jpg"
    assert stored["content_type"] == "image/jpeg"
    assert stored["size"] == len(JPEG)
    assert stored["channel"] == "wechat"


def test_slow_image_download_is_answered_through_the_api_once(
        stack, wechat: WeChatServer, standin, openid: str) -> None:
    report_no = file_claim_for(stack, openid)
    media_id = f"slow-{openid}"
    standin.add_media(media_id, JPEG)
    standin.media_delay = 6.0
    try:
        msg_id = next_msg_id()
        xml = wechat.image(openid, media_id, msg_id)
        first = wechat.push(xml)
        assert first.acknowledged and first.seconds < PASSIVE_LIMIT_SECONDS
        assert all(wechat.push(xml).acknowledged for _ in range(3))
        [message] = standin.wait_for_messages(openid, 1, timeout=30)
    finally:
        standin.media_delay = 0.0
    assert message == texts.IMAGE_SAVED.format(report_no=report_no)
    downloads = [c for c in standin.calls_to("/cgi-bin/media/get") if c.query.get("media_id") == media_id]
    assert len(downloads) == 1
    assert len(uploaded_materials(stack, report_no)) == 1


# --- a complete claim report -----------------------------------------------------------------


@pytest.mark.skipif(not processes.domain_has_slot("report_last_number"),
                    reason="the report-intake dialogue (domain/report.yml) is not in the domain yet")
def test_complete_claim_report_over_wechat(stack, wechat: WeChatServer, standin, openid: str) -> None:
    said = OPENING
    transcript: List[str] = []
    report_no: Optional[str] = None
    for _turn in range(30):
        before = len(standin.messages_to(openid))
        answer = wechat.push(wechat.text(openid, said), timeout=5)
        assert answer.status == 200 and answer.seconds < 5
        reply = answer.content or ""
        if not reply:  # not ready in time: it follows through the API
            reply = "\n".join(standin.wait_for_messages(openid, before + 1, timeout=60)[before:])
        transcript.append(f"客户：{said}\n助手：{reply}")
        report_no = report_number_in(reply)
        if report_no:
            break
        said = answer_for(reply)
        assert said, "no answer for the bot's question:\n" + "\n".join(transcript)
    assert report_no and report_no.startswith("BA"), "\n".join(transcript)
    claims = processes.http_json(f"{stack.claims_api_url}/claims?policy_no={POLICY}", processes.STAFF_TOKEN)
    [claim] = [c for c in claims if c["report_no"] == report_no]
    assert claim["channel"] == "wechat"
    assert claim["insured_name"] == NAME
    assert claim["contact_phone"] == PHONE
    assert claim["casualties"] is False
    assert claim["conversation_id"] == openid  # progress notices find their way back


def test_pushes_that_are_not_replies_go_out_through_the_api(stack, wechat: WeChatServer, standin,
                                                         openid: str) -> None:
    """Rasa's trigger_intent with output_channel=latest (the report outbox uses it)."""
    assert wechat.push(wechat.text(openid, "你好")).content
    response = requests.post(
        f"{stack.rasa_url}/conversations/{openid}/trigger_intent",
        params={"output_channel": "latest"}, json={"name": "greet", "entities": {}}, timeout=60)
    assert response.status_code == 200, response.text
    messages = standin.wait_for_messages(openid, 1, timeout=30)
    assert messages[0]

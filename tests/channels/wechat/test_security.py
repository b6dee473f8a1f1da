"""Signature, timestamp freshness and safe mode, with wechatpy's real cryptography."""
import time

import pytest
import xmltodict
from wechatpy.crypto import WeChatCrypto

from channels.wechat.config import WeChatConfig
from channels.wechat.security import RequestRejected, WeChatSecurity
from tests.channels import processes
from tests.channels.wechat_server import sign

TOKEN = processes.WECHAT_TOKEN
APP_ID = processes.WECHAT_APP_ID
AES_KEY = processes.WECHAT_AES_KEY
MESSAGE = "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content><MsgId>1</MsgId></xml>"


def signed(timestamp: int, nonce: str = "12345") -> dict:
    return {"signature": sign(TOKEN, str(timestamp), nonce), "timestamp": str(timestamp), "nonce": nonce}


@pytest.fixture
def plain() -> WeChatSecurity:
    return WeChatSecurity(WeChatConfig(token=TOKEN, app_id=APP_ID))


@pytest.fixture
def safe() -> WeChatSecurity:
    return WeChatSecurity(WeChatConfig(token=TOKEN, app_id=APP_ID, aes_key=AES_KEY))


def test_verify_accepts_a_fresh_signed_request(plain: WeChatSecurity) -> None:
    plain.verify(signed(int(time.time())))


@pytest.mark.parametrize(("args", "reason"), [
    ({}, "signature, timestamp and nonce are required"),
    ({"signature": "0" * 40, "timestamp": "1700000000", "nonce": "1"}, "invalid signature"),
])
def test_verify_refuses(plain: WeChatSecurity, args: dict, reason: str) -> None:
    with pytest.raises(RequestRejected) as refused:
        plain.verify(args)
    assert (refused.value.status, refused.value.reason) == (403, reason)


@pytest.mark.parametrize("offset", [-301, 301, -86400])
def test_verify_refuses_stale_or_future_timestamps(plain: WeChatSecurity, offset: int) -> None:
    now = time.time()
    with pytest.raises(RequestRejected, match="stale timestamp"):
        plain.verify(signed(int(now) + offset), now=now)


def test_verify_accepts_small_clock_skew(plain: WeChatSecurity) -> None:
    now = time.time()
    plain.verify(signed(int(now) - 299), now=now)
    plain.verify(signed(int(now) + 299), now=now)


def test_plain_body_is_the_message(plain: WeChatSecurity) -> None:
    assert plain.open(MESSAGE.encode(), signed(int(time.time()))) == MESSAGE
    assert plain.seal("<xml/>", signed(int(time.time()))) == "<xml/>"


def test_safe_mode_decrypts_and_encrypts(safe: WeChatSecurity) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    timestamp, nonce = str(int(time.time())), "998877"
    sealed = xmltodict.parse(crypto.encrypt_message(MESSAGE, nonce, timestamp))["xml"]
    args = {**signed(int(timestamp), nonce), "encrypt_type": "aes", "msg_signature": sealed["MsgSignature"]}
    body = f"<xml><ToUserName>gh_x</ToUserName><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>"
    assert safe.open(body.encode(), args) == MESSAGE

    reply = safe.seal("<xml><Content>好的</Content></xml>", args)
    outer = xmltodict.parse(reply)["xml"]
    assert "好的" not in reply
    assert crypto.decrypt_message(reply, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]) \
        == "<xml><Content>好的</Content></xml>"


def test_safe_mode_refuses_a_wrong_msg_signature(safe: WeChatSecurity) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    sealed = xmltodict.parse(crypto.encrypt_message(MESSAGE, "1", "2"))["xml"]
    body = f"<xml><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>".encode()
    with pytest.raises(RequestRejected) as refused:
        safe.open(body, {"encrypt_type": "aes", "msg_signature": "0" * 40, "timestamp": "2", "nonce": "1"})
    assert refused.value.status == 403


def test_safe_mode_refuses_a_message_for_another_app(safe: WeChatSecurity) -> None:
    other = WeChatCrypto(TOKEN, AES_KEY, "wxanotherapp0000000")
    sealed = xmltodict.parse(other.encrypt_message(MESSAGE, "1", "2"))["xml"]
    body = f"<xml><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>".encode()
    with pytest.raises(RequestRejected) as refused:
        safe.open(body, {"encrypt_type": "aes", "msg_signature": sealed["MsgSignature"],
                         "timestamp": "2", "nonce": "1"})
    assert refused.value.status == 403


def test_encrypted_message_without_aes_key_is_a_bad_request(plain: WeChatSecurity) -> None:
    with pytest.raises(RequestRejected) as refused:
        plain.open(b"<xml><Encrypt>x</Encrypt></xml>", {"encrypt_type": "aes"})
    assert refused.value.status == 400

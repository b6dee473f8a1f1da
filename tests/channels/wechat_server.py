"""Plays WeChat's servers towards our webhook: signed (and in safe mode encrypted) XML
pushes, as the Official Account platform sends them, and reads the passive replies."""
from __future__ import annotations

import itertools
import random
import string
import time
from dataclasses import dataclass
from typing import Dict, Optional
from xml.sax.saxutils import escape

import requests
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

_msg_ids = itertools.count(int(time.time() * 1000) * 1000)
ACCOUNT = "gh_claims_assistant"


def next_msg_id() -> int:
    return next(_msg_ids)


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def nonce() -> str:
    return "".join(random.choices(string.digits, k=10))


@dataclass
class Answer:
    status: int
    body: str
    seconds: float
    content: Optional[str] = None  # the passive reply's text, if there is one
    reply: Optional[Dict[str, str]] = None

    @property
    def acknowledged(self) -> bool:
        return self.status == 200 and self.body.strip() in ("success", "")


class WeChatServer:
    def __init__(self, webhook: str, token: str, app_id: str, aes_key: Optional[str] = None) -> None:
        self.webhook = webhook
        self.token = token
        self.app_id = app_id
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key else None
        self.http = requests.Session()

    # --- messages ---------------------------------------------------------------------

    @staticmethod
    def xml(openid: str, msg_type: str, created: Optional[int] = None, **fields: str) -> str:
        created = created or int(time.time())
        body = "".join(f"<{k}><![CDATA[{v}]]></{k}>" if not str(v).isdigit() else f"<{k}>{v}</{k}>"
                       for k, v in fields.items())
        return (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
                f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
                f"{body}</xml>")

    def text(self, openid: str, content: str, msg_id: Optional[int] = None) -> str:
        return self.xml(openid, "text", Content=escape(content), MsgId=str(msg_id or next_msg_id()))

    def voice(self, openid: str, recognition: str, msg_id: Optional[int] = None) -> str:
        return self.xml(openid, "voice", MediaId="voice-media-1", Format="amr",
                        Recognition=escape(recognition), MsgId=str(msg_id or next_msg_id()))

    def image(self, openid: str, media_id: str, msg_id: Optional[int] = None) -> str:
        return self.xml(openid, "image", PicUrl="http://mmbiz.example/pic.jpg", MediaId=media_id,
                        MsgId=str(msg_id or next_msg_id()))

    def event(self, openid: str, event: str, key: Optional[str] = None,
              created: Optional[int] = None) -> str:
        fields = {"Event": event}
        if key is not None:
            fields["EventKey"] = key
        return self.xml(openid, "event", created=created, **fields)

    # --- HTTP -------------------------------------------------------------------------

    def params(self, timestamp: Optional[int] = None, signature: Optional[str] = None,
               openid: str = "") -> Dict[str, str]:
        timestamp_text = str(timestamp if timestamp is not None else int(time.time()))
        value = nonce()
        return {"signature": signature or sign(self.token, timestamp_text, value),
                "timestamp": timestamp_text, "nonce": value, "openid": openid}

    def verify_url(self, echostr: str = "echo-1234", **kwargs: object) -> requests.Response:
        params = self.params(**kwargs)  # type: ignore[arg-type]
        params["echostr"] = echostr
        return self.http.get(self.webhook, params=params, timeout=30)

    def push(self, xml: str, encrypted: bool = False, timestamp: Optional[int] = None,
             signature: Optional[str] = None, msg_signature: Optional[str] = None,
             timeout: float = 5.0) -> Answer:
        """POST one push; `timeout` is WeChat's own: it waits 5 s for the answer."""
        params = self.params(timestamp=timestamp, signature=signature)
        body = xml
        if encrypted:
            assert self.crypto is not None, "safe mode needs the AES key"
            sealed = xmltodict.parse(self.crypto.encrypt_message(xml, params["nonce"], params["timestamp"]))["xml"]
            params.update({"encrypt_type": "aes", "msg_signature": msg_signature or sealed["MsgSignature"]})
            body = (f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>")
        started = time.monotonic()
        response = self.http.post(self.webhook, params=params, data=body.encode("utf-8"),
                                  headers={"Content-Type": "text/xml"}, timeout=timeout)
        seconds = time.monotonic() - started
        answer = Answer(response.status_code, response.text, seconds)
        if response.status_code == 200 and response.text.strip().startswith("<xml"):
            reply_xml = response.text
            if encrypted:
                outer = xmltodict.parse(reply_xml)["xml"]
                reply_xml = self.crypto.decrypt_message(reply_xml, outer["MsgSignature"],
                                                        outer["TimeStamp"], outer["Nonce"])
            answer.reply = xmltodict.parse(reply_xml)["xml"]
            answer.content = answer.reply.get("Content")
        return answer

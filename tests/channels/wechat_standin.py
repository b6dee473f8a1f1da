"""A loopback stand-in for WeChat's server API (the only test double of these tests).

Serves on 127.0.0.1 what the channel calls, and records every call:
- `GET /cgi-bin/token` issues numbered access tokens (`token-1`, …) for the right app id
  and secret;
- `POST /cgi-bin/message/custom/send` records customer-service messages; an unknown or
  revoked token gets WeChat's `40001 invalid credential`;
- `GET /cgi-bin/media/get` serves media registered with `add_media` (optionally slowly);
- `POST /cgi-bin/menu/create` records the menu.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlparse


@dataclass
class Call:
    method: str
    path: str
    query: Dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)


class WeChatStandIn:
    def __init__(self, secret: str, port: int = 0) -> None:
        """Any app id is served (each test run has its own), with the right secret."""
        self.secret = secret
        self.calls: List[Call] = []
        self.valid_tokens: set = set()
        self.tokens_issued = 0
        self.media: Dict[str, Tuple[bytes, str, str]] = {}
        self.media_delay = 0.0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- control ----------------------------------------------------------------------

    def start(self) -> "WeChatStandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_media(self, media_id: str, content: bytes, content_type: str = "image/jpeg",
                  filename: str = "photo.jpg") -> None:
        self.media[media_id] = (content, content_type, filename)

    def revoke_tokens(self) -> None:
        """As if WeChat had invalidated every token issued so far."""
        with self.lock:
            self.valid_tokens.clear()

    def calls_to(self, path: str) -> List[Call]:
        with self.lock:
            return [c for c in self.calls if c.path == path]

    def messages_to(self, openid: str) -> List[str]:
        """Texts of the customer-service messages accepted for `openid`, in order."""
        return [c.body["text"]["content"] for c in self.calls_to("/cgi-bin/message/custom/send")
                if c.body.get("touser") == openid and c.body.get("_accepted")]

    def wait_for_messages(self, openid: str, count: int = 1, timeout: float = 30.0) -> List[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.messages_to(openid)
            if len(messages) >= count:
                return messages
            time.sleep(0.05)
        raise AssertionError(f"{count} customer-service message(s) to {openid} expected, "
                             f"got {self.messages_to(openid)}")

    # --- HTTP -------------------------------------------------------------------------

    def _handler(self) -> type:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _json(self, payload: Dict[str, Any], status: int = 200) -> None:
                body = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; encoding=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _record(self, body: Any) -> Tuple[str, Dict[str, str], Call]:
                parsed = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                call = Call(self.command, parsed.path, query, body)
                with standin.lock:
                    standin.calls.append(call)
                return parsed.path, query, call

            def _token_ok(self, query: Dict[str, str]) -> bool:
                with standin.lock:
                    return query.get("access_token") in standin.valid_tokens

            def do_GET(self) -> None:  # noqa: N802
                path, query, _call = self._record(None)
                if path == "/cgi-bin/token":
                    if not query.get("appid") or query.get("secret") != standin.secret:
                        return self._json({"errcode": 40013, "errmsg": "invalid appid"})
                    with standin.lock:
                        standin.tokens_issued += 1
                        token = f"token-{standin.tokens_issued}"
                        standin.valid_tokens.add(token)
                    return self._json({"access_token": token, "expires_in": 7200})
                if path == "/cgi-bin/media/get":
                    if not self._token_ok(query):
                        return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                    media = standin.media.get(query.get("media_id", ""))
                    if media is None:
                        return self._json({"errcode": 40007, "errmsg": "invalid media_id"})
                    time.sleep(standin.media_delay)
                    content, content_type, filename = media
                    self.send_response(200)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Disposition", f'attachment; filename="{filename}"')
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                    return None
                return self._json({"errcode": 404, "errmsg": "not found"}, 404)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw.decode("utf-8")) if raw else {}
                except ValueError:
                    body = {"_raw": raw}
                path, query, call = self._record(body)
                if path in ("/cgi-bin/message/custom/send", "/cgi-bin/menu/create"):
                    if not self._token_ok(query):
                        return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                    if isinstance(call.body, dict):
                        call.body["_accepted"] = True
                    return self._json({"errcode": 0, "errmsg": "ok"})
                return self._json({"errcode": 404, "errmsg": "not found"}, 404)

        return Handler


def find_call(calls: List[Call], **query: str) -> Optional[Call]:
    return next((c for c in calls if all(c.query.get(k) == v for k, v in query.items())), None)

"""The /chat routes without the rest of the stack: page, static files, upload checks."""
import json
import re

import pytest
from fastapi.testclient import TestClient

from webapp.chat import texts, uploads
from webapp.main import app

client = TestClient(app)


def page_config(html: str) -> dict:
    match = re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def test_chat_page_is_chinese_mobile_first_and_self_contained() -> None:
    response = client.get("/chat")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="zh-CN">' in html
    assert 'name="viewport"' in html
    assert texts.PAGE["title"] in html and texts.PAGE["placeholder"] in html
    assert "/chat/static/vendor/socket.io.min.js" in html
    assert "cdn" not in html.lower()
    assert "script-src 'self'" in response.headers["content-security-policy"]
    config = page_config(html)
    assert config["texts"] == texts.SCRIPT
    assert config["maxUploadBytes"] == 10 * 1024 * 1024
    assert config["uploadUrl"] == "/chat/api/upload"


def test_page_config_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:15005")
    monkeypatch.setenv("CHAT_SOCKET_URL", "https://chat.example.com")
    config = page_config(client.get("/chat").text)
    assert config["rasaPort"] == 15005
    assert config["socketUrl"] == "https://chat.example.com"


def test_page_config_cannot_close_its_script_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAT_SOCKET_URL", "</script><script>alert(1)</script>")
    html = client.get("/chat").text
    assert "</script><script>alert(1)" not in html
    assert page_config(html)["socketUrl"] == "</script><script>alert(1)</script>"


@pytest.mark.parametrize(("path", "kind"), [
    ("chat.js", "text/javascript"), ("chat.css", "text/css"), ("vendor/socket.io.min.js", "text/javascript"),
])
def test_static_files(path: str, kind: str) -> None:
    response = client.get(f"/chat/static/{path}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(kind)


def test_vendored_socket_io_client_is_the_npm_build() -> None:
    body = client.get("/chat/static/vendor/socket.io.min.js").text
    assert body.startswith("/*!\n * Socket.IO v4.")


@pytest.mark.parametrize("path", ["../routes.py", "..%2Froutes.py", "index.html", "nope.js", "vendor"])
def test_static_files_stay_inside_the_static_folder(path: str) -> None:
    assert client.get(f"/chat/static/{path}").status_code == 404


def test_script_never_uses_inner_html() -> None:
    script = client.get("/chat/static/chat.js").text
    assert "innerHTML" not in script.replace("never innerHTML", "")
    assert "insertAdjacentHTML" not in script and "document.write" not in script


def test_upload_too_large_is_refused_before_forwarding() -> None:
    big = b"\xff\xd8\xff" + b"\x00" * uploads.MAX_UPLOAD_BYTES
    response = client.post("/chat/api/upload", data={"session_id": "a" * 32},
                           files={"file": ("big.jpg", big, "image/jpeg")})
    assert response.status_code == 413
    assert response.json()["message_zh"] == texts.SCRIPT["too_large"]


@pytest.mark.parametrize("session_id", ["short", "../../x" * 3, "有中文的会话编号会话编号"])
def test_upload_with_a_bad_session_id(session_id: str) -> None:
    response = client.post("/chat/api/upload", data={"session_id": session_id},
                           files={"file": ("a.jpg", b"\xff\xd8\xff", "image/jpeg")})
    assert response.status_code == 422
    assert response.json()["message_zh"] == texts.UPLOAD_BAD_SESSION

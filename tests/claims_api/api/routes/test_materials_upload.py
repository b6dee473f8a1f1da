"""Uploading material files against a claim (POST/GET /claims/{report_no}/materials)."""

from __future__ import annotations

import hashlib
import struct
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from claims_api.api.routes.materials_upload import (
    CLOSED_ZH,
    EMPTY_ZH,
    MAX_UPLOAD_BYTES,
    NOT_THIS_CONVERSATION_ZH,
    TOO_LARGE_ZH,
    WRONG_TYPE_ZH,
)

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


@pytest.fixture
def materials_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "materials"
    monkeypatch.setenv("MATERIALS_DIR", str(directory))
    return directory


@pytest.fixture
def filed(file_claim: Callable[..., str]) -> tuple[str, str]:
    """(report_no, conversation_id) of a fresh claim filed from the web chat."""
    conversation = f"web-{uuid.uuid4().hex}"
    return file_claim(conversation_id=conversation, channel="socketio"), conversation


def upload(client: TestClient, headers: dict[str, str], report_no: str, content: bytes,
           filename: str = "photo.jpg", content_type: str = "image/jpeg", **form: str):
    return client.post(f"/claims/{report_no}/materials", headers=headers,
                       files={"file": (filename, content, content_type)}, data=form)


def test_upload_material_jpeg(client: TestClient, bot_headers, staff_headers, filed, materials_dir: Path) -> None:
    report_no, conversation = filed
    response = upload(client, bot_headers, report_no, JPEG, "现场照片.jpg",
                      conversation_id=conversation, channel="socketio")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["report_no"] == report_no
    assert body["filename"] == "现场照片.jpg"
    assert body["content_type"] == "image/jpeg"
    assert body["size"] == len(JPEG)
    assert body["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert body["channel"] == "socketio"
    assert body["uploaded_at"].endswith("+08:00")
    assert (materials_dir / report_no / f"{body['file_id']}.jpg").read_bytes() == JPEG

    detail = client.get(f"/claims/{report_no}", headers=staff_headers).json()
    assert body["name"] in detail["materials_received"]
    assert detail["events"][-1]["kind"] == "materials_received"


@pytest.mark.parametrize(("content", "filename", "declared", "expected"), [
    (png_bytes(), "a.png", "image/png", "image/png"),
    (PDF, "诊断证明.pdf", "application/pdf", "application/pdf"),
    (JPEG, "no-extension", "application/octet-stream", "image/jpeg"),  # the content decides
])
def test_upload_material_types(client: TestClient, bot_headers, filed, materials_dir: Path,
                               content: bytes, filename: str, declared: str, expected: str) -> None:
    report_no, conversation = filed
    response = upload(client, bot_headers, report_no, content, filename, declared,
                      conversation_id=conversation)
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == expected


def test_upload_material_too_large(client: TestClient, bot_headers, filed, materials_dir: Path) -> None:
    report_no, conversation = filed
    big = JPEG[:-2] + b"\x00" * (MAX_UPLOAD_BYTES - len(JPEG) + 3)
    response = upload(client, bot_headers, report_no, big, conversation_id=conversation)
    assert response.status_code == 413
    assert response.json()["message_zh"] == TOO_LARGE_ZH
    assert not (materials_dir / report_no).exists()


def test_upload_material_at_the_limit(client: TestClient, bot_headers, filed, materials_dir: Path) -> None:
    report_no, conversation = filed
    exact = JPEG[:3] + b"\x00" * (MAX_UPLOAD_BYTES - 3)
    response = upload(client, bot_headers, report_no, exact, conversation_id=conversation)
    assert response.status_code == 201, response.text
    assert response.json()["size"] == MAX_UPLOAD_BYTES


@pytest.mark.parametrize(("content", "filename", "declared"), [
    (b"GIF89a\x01\x00\x01\x00", "fake.jpg", "image/jpeg"),
    (b"<html><script>alert(1)</script></html>", "page.pdf", "application/pdf"),
    (b"PK\x03\x04 zip", "docs.png", "image/png"),
])
def test_upload_material_wrong_type(client: TestClient, bot_headers, filed, materials_dir: Path,
                                    content: bytes, filename: str, declared: str) -> None:
    report_no, conversation = filed
    response = upload(client, bot_headers, report_no, content, filename, declared,
                      conversation_id=conversation)
    assert response.status_code == 415
    assert response.json()["message_zh"] == WRONG_TYPE_ZH


def test_upload_material_empty(client: TestClient, bot_headers, filed, materials_dir: Path) -> None:
    report_no, conversation = filed
    response = upload(client, bot_headers, report_no, b"", conversation_id=conversation)
    assert response.status_code == 422
    assert response.json()["message_zh"] == EMPTY_ZH


@pytest.mark.parametrize("conversation", [None, "someone-else"])
def test_upload_material_other_conversation(client: TestClient, bot_headers, filed, materials_dir: Path,
                                            conversation: str | None) -> None:
    report_no, _ = filed
    form = {"conversation_id": conversation} if conversation else {}
    response = upload(client, bot_headers, report_no, JPEG, **form)
    assert response.status_code == 403
    assert response.json()["message_zh"] == NOT_THIS_CONVERSATION_ZH
    assert not (materials_dir / report_no).exists()


def test_upload_material_staff_any_claim(client: TestClient, staff_headers, filed, materials_dir: Path) -> None:
    report_no, _ = filed
    assert upload(client, staff_headers, report_no, JPEG).status_code == 201


def test_upload_material_unknown_claim(client: TestClient, bot_headers, materials_dir: Path) -> None:
    response = upload(client, bot_headers, "BA20990101999999", JPEG, conversation_id="x")
    assert response.status_code == 404


def test_upload_material_closed_claim(client: TestClient, bot_headers, filed, move, materials_dir: Path) -> None:
    report_no, conversation = filed
    move(report_no, "withdrawn")
    response = upload(client, bot_headers, report_no, JPEG, conversation_id=conversation)
    assert response.status_code == 409
    assert response.json()["message_zh"] == CLOSED_ZH


def test_upload_material_needs_token(client: TestClient, filed, materials_dir: Path) -> None:
    report_no, conversation = filed
    assert upload(client, {}, report_no, JPEG, conversation_id=conversation).status_code == 401


def test_list_uploaded_materials(client: TestClient, bot_headers, staff_headers, filed, materials_dir: Path) -> None:
    report_no, conversation = filed
    first = upload(client, bot_headers, report_no, JPEG, "1.jpg", conversation_id=conversation).json()
    second = upload(client, bot_headers, report_no, PDF, "2.pdf", "application/pdf",
                    conversation_id=conversation).json()

    for headers, query in ((bot_headers, {"conversation_id": conversation}), (staff_headers, {})):
        listed = client.get(f"/claims/{report_no}/materials", headers=headers, params=query)
        assert listed.status_code == 200, listed.text
        assert listed.json() == {"data": [first, second], "count": 2}

    refused = client.get(f"/claims/{report_no}/materials", headers=bot_headers,
                         params={"conversation_id": "someone-else"})
    assert refused.status_code == 403


def test_download_material_staff_only(client: TestClient, bot_headers, staff_headers, filed, materials_dir: Path) -> None:
    report_no, conversation = filed
    stored = upload(client, bot_headers, report_no, PDF, "证明.pdf", "application/pdf",
                    conversation_id=conversation).json()
    url = f"/claims/{report_no}/materials/{stored['file_id']}"
    assert client.get(url, headers=bot_headers).status_code == 403
    downloaded = client.get(url, headers=staff_headers)
    assert downloaded.status_code == 200
    assert downloaded.content == PDF
    assert downloaded.headers["content-type"] == "application/pdf"

"""Routes of /chat: the customer web chat page, its static files, material upload.

The page talks to Rasa's socket.io channel directly (channels/socketio.py; Rasa's port,
or CHAT_SOCKET_URL when Rasa is published elsewhere). The socket.io browser client is
vendored under static/vendor/ (built from frontend/ with npm), never fetched from a CDN.
"""
from __future__ import annotations

import html
import json
import os
from pathlib import Path
from string import Template
from typing import Optional
from urllib.parse import urlparse

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from webapp.chat import texts, uploads

router = APIRouter(tags=["chat"])

STATIC_DIR = (Path(__file__).parent / "static").resolve()
TEMPLATE = Template((STATIC_DIR / "index.html").read_text("utf-8"))
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml",
               ".png": "image/png", ".txt": "text/plain"}


def page_config() -> dict:
    rasa = urlparse(uploads.rasa_url())
    return {
        "socketUrl": os.environ.get("CHAT_SOCKET_URL") or None,
        "rasaPort": rasa.port or (443 if rasa.scheme == "https" else 80),
        "socketPath": "/socket.io",
        "uploadUrl": "/chat/api/upload",
        "maxUploadBytes": uploads.MAX_UPLOAD_BYTES,
        "accept": uploads.ACCEPT,
        "texts": texts.SCRIPT,
    }


def render_page() -> str:
    # JSON inside <script type="application/json">: "<" escaped so no text can close it.
    config = json.dumps(page_config(), ensure_ascii=False).replace("<", "\\u003c")
    values = {key: html.escape(value) for key, value in texts.PAGE.items()}
    return TEMPLATE.substitute(values, config=config, accept=html.escape(uploads.ACCEPT))


@router.get("/chat", response_class=HTMLResponse, summary="在线报案与咨询（客户聊天页）")
def chat_page() -> HTMLResponse:
    return HTMLResponse(render_page(), headers={
        "Cache-Control": "no-cache",
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data: https: http:; "
            "connect-src 'self' ws: wss: http: https:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    })


@router.get("/chat/static/{path:path}", include_in_schema=False)
def chat_static(path: str) -> FileResponse:
    try:
        target = (STATIC_DIR / path).resolve()
        found = STATIC_DIR in target.parents and target.is_file() and target.name != "index.html"
    except (OSError, ValueError):  # a NUL byte or an over-long name: no such file
        found = False
    if not found:
        raise HTTPException(status_code=404)
    return FileResponse(target, media_type=MEDIA_TYPES.get(target.suffix),
                        headers={"Cache-Control": "public, max-age=300"})


@router.post("/chat/api/upload", summary="上传理赔材料（转交理赔接口）")
async def chat_upload(
    file: Optional[UploadFile] = File(None, description="JPG、PNG 或 PDF，不超过10MB"),
    session_id: str = Form("", description="the chat's session id (8-64 of A-Z a-z 0-9 _ -)"),
) -> JSONResponse:
    # Both optional here and checked below, so that every refusal carries the
    # `message_zh` the page shows (FastAPI's own 422 has none).
    if file is None:
        return JSONResponse({"detail": "no file", "message_zh": texts.UPLOAD_NO_FILE}, status_code=422)
    content = await file.read(uploads.MAX_UPLOAD_BYTES + 1)
    if len(content) > uploads.MAX_UPLOAD_BYTES:
        return JSONResponse({"detail": "file too large", "message_zh": texts.SCRIPT["too_large"]},
                            status_code=413)
    try:
        outcome = await uploads.forward(session_id, file.filename or "upload",
                                        content, file.content_type or "application/octet-stream")
    except uploads.UploadRefused as refused:
        return JSONResponse(refused.body, status_code=refused.status)
    return JSONResponse(outcome.body, status_code=outcome.status)

"""FastAPI application of the web app: one router per audience."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse

from webapp.agent.routes import router as agent_router
from webapp.chat.routes import router as chat_router
from webapp.studio.routes import router as studio_router

app = FastAPI(title="理赔报案助手 web app", version="0.1.0")
app.include_router(chat_router)
app.include_router(agent_router)
app.include_router(studio_router)

# Shown by the chat page and the agent console when a request is refused as malformed.
INVALID_REQUEST_ZH = "提交的内容格式不正确，请检查后再试。"


@app.exception_handler(RequestValidationError)
async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 (`detail` says what is wrong, for developers) plus `message_zh`,
    which the pages show instead of a bare "request failed"."""
    return JSONResponse({"detail": jsonable_encoder(exc.errors()), "message_zh": INVALID_REQUEST_ZH},
                        status_code=422)


@app.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@app.get("/", response_class=HTMLResponse)
def index() -> str:
    return (
        "<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>理赔报案助手</title>"
        "<ul><li><a href='/chat'>在线报案与咨询</a></li><li><a href='/agent'>坐席工作台</a></li>"
        "<li><a href='/studio'>运营工作室</a></li></ul></html>"
    )

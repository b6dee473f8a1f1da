"""FastAPI application of the web app: one router per audience."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from webapp.agent.routes import router as agent_router
from webapp.chat.routes import router as chat_router
from webapp.studio.routes import router as studio_router

app = FastAPI(title="理赔报案助手 web app", version="0.1.0")
app.include_router(chat_router)
app.include_router(agent_router)
app.include_router(studio_router)


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

"""Routes of the staff studio at /studio: HTML pages (Jinja2, autoescaped) and a small
JSON API for job status. Reviewers annotate and edit reply texts; maintainers also
evaluate, train, publish and roll back (auth.py)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from webapp.studio import auth, evaluation, inbox, jobs, models, rasa_cli, responses, training_data
from webapp.studio.auth import COOKIE, DbDep, MaintainerDep, UserDep
from webapp.studio.db import InboxItem
from webapp.studio.masking import mask
from webapp.studio.settings import get_settings

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["mask"] = mask
REASONS_ZH = {"fallback": "未理解", "low_confidence": "置信度低", "handoff": "转人工",
              "low_rating": "低评分"}
templates.env.globals["REASONS_ZH"] = REASONS_ZH

router = APIRouter(prefix="/studio", tags=["studio"])
# Inbox ids are SQLite integers: a larger number would overflow the query, not miss.
ItemId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]


def page(request: Request, name: str, user=None, status_code: int = 200, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"user": user, **context},
                                      status_code=status_code)


def go(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- login -------------------------------------------------------------------------------

@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return page(request, "login.html", error=None)


@router.post("/login")
def login(request: Request, session: DbDep, username: str = Form(...), password: str = Form(...)):
    user = auth.authenticate(session, username, password)
    if user is None:
        return page(request, "login.html", error="用户名或密码错误", status_code=401)
    response = go("/studio/inbox")
    response.set_cookie(COOKIE, auth.session_token(user), httponly=True, samesite="lax")
    return response


@router.post("/logout")
def logout() -> RedirectResponse:
    response = go("/studio/login")
    response.delete_cookie(COOKIE)
    return response


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
def home(user: UserDep) -> RedirectResponse:
    return go("/studio/inbox")


# -- inbox -------------------------------------------------------------------------------

@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, session: DbDep, user: UserDep, status: str = "open"):
    error = None
    try:
        inbox.collect(session)
    except Exception as exc:  # noqa: BLE001 - Redis down: show what we have
        error = f"无法读取对话事件：{exc}"
    items = inbox.list_items(session, status=status)
    return page(request, "inbox.html", user, items=items, status=status, error=error,
                threshold=get_settings().confidence_threshold)


def _item(session, item_id: int) -> InboxItem:
    item = session.get(InboxItem, item_id)
    if item is None:
        raise HTTPException(404, "no such inbox item")
    return item


@router.get("/inbox/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: ItemId, session: DbDep, user: UserDep):
    item = _item(session, item_id)
    return _item_view(request, user, item)


def _item_view(request, user, item, result: Optional[dict] = None, error: Optional[str] = None,
               status_code: int = 200) -> HTMLResponse:
    return page(request, "item.html", user, item=item, context=inbox.context_of(item),
                intents=sorted(training_data.intents()), entities=training_data.domain_entities(),
                result=result, error=error, status_code=status_code)


@router.post("/inbox/{item_id}/annotate", response_class=HTMLResponse)
def annotate(request: Request, item_id: ItemId, session: DbDep, user: UserDep,
             intent: str = Form(""), new_intent: str = Form(""), entities: str = Form("[]")):
    item = _item(session, item_id)
    name = (new_intent or intent).strip()
    try:
        spans = [training_data.Entity(int(e["start"]), int(e["end"]), str(e["entity"]))
                 for e in json.loads(entities or "[]")]
        added = training_data.add_example(name, item.text, spans, create=bool(new_intent.strip()))
    except (ValueError, KeyError, TypeError, training_data.TrainingDataError) as exc:
        return _item_view(request, user, item, error=str(exc), status_code=422)
    inbox.resolve(session, item, status="annotated", resolution=name, username=user.username)
    validation = rasa_cli.validate()
    return _item_view(request, user, item, result={"intent": name, "added": added,
                                                   "validation": validation})


@router.post("/inbox/{item_id}/dismiss")
def dismiss(item_id: ItemId, session: DbDep, user: UserDep) -> RedirectResponse:
    inbox.resolve(session, _item(session, item_id), status="dismissed", resolution=None,
                  username=user.username)
    return go("/studio/inbox")


# -- evaluation ----------------------------------------------------------------------------

def _latest_model() -> Optional[str]:
    found = models.list_models()
    return str(found[0]) if found else None


@router.get("/evaluate", response_class=HTMLResponse)
def evaluate_page(request: Request, user: UserDep, key: Optional[str] = None):
    live = models.live_model()
    live_summary = evaluation.stored_summary(evaluation.model_key(live)) if live else None
    latest = _latest_model()
    shown_key = key or (evaluation.model_key(latest) if latest else None)
    shown = evaluation.stored_summary(shown_key) if shown_key else None
    shown = shown or live_summary
    job = jobs.current("evaluate")
    return page(request, "evaluate.html", user, live=live, summary=shown,
                change=evaluation.compare(shown, live_summary) if shown else None,
                job=job.public() if job else None, latest=latest)


def _evaluate_work(target: Optional[str], cross_validation: bool):
    def work(job: jobs.Job) -> dict:
        if cross_validation:
            job.stage = "cross-validation"
            return {"key": evaluation.cross_validate(3, job.note)["model"]}
        live = models.live_model()
        todo = [m for m in dict.fromkeys([live, target]) if m]
        result = {}
        for n, model in enumerate(todo):
            key = evaluation.model_key(model)
            if model == live and model != target and evaluation.stored_summary(key):
                continue  # the live model's report is kept
            job.stage, job.progress = f"evaluating {key}", n / len(todo)
            path = models.resolve_model(model, anywhere=True) if Path(model).exists() else \
                models.resolve_model(Path(model).name, anywhere=True)
            result = evaluation.evaluate_model(path, job.note)
        return {"key": result.get("model") or evaluation.model_key(target or live)}
    return work


@router.post("/evaluate")
def start_evaluation(user: MaintainerDep, model: str = Form("latest"),
                     cross_validation: bool = Form(False)) -> RedirectResponse:
    target = models.live_model() if model == "live" else (_latest_model() if model == "latest" else model)
    if not target and not cross_validation:
        raise HTTPException(409, "no model to evaluate")
    try:
        jobs.start("evaluate", user.username, _evaluate_work(target, cross_validation))
    except jobs.Busy as exc:
        raise HTTPException(409, str(exc)) from exc
    return go("/studio/evaluate")


@router.get("/results/{key}/confusion.png")
def confusion(key: str, user: UserDep) -> FileResponse:
    if not evaluation.is_report_key(key):
        raise HTTPException(404, "no such report")
    path = (get_settings().results_dir / key / "confusion.png").resolve()
    if get_settings().results_dir.resolve() not in path.parents or not path.exists():
        raise HTTPException(404, "no such report")
    return FileResponse(path, media_type="image/png")


# -- models ----------------------------------------------------------------------------------

@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request, session: DbDep, user: UserDep, error: Optional[str] = None):
    job = jobs.current("train")
    return page(request, "models.html", user, models=models.list_models(), live=models.live_model(),
                job=job.public() if job else None, history=models.history(session),
                rollback_to=models.rollback_target(session), error=error,
                summaries={p.name: evaluation.stored_summary(evaluation.model_key(p))
                           for p in models.list_models()})


@router.post("/models/train")
def train(user: MaintainerDep, evaluate: bool = Form(False)) -> RedirectResponse:
    def work(job: jobs.Job) -> dict:
        path = models.train(job)
        if evaluate:
            job.stage = "evaluating the new model"
            evaluation.evaluate_model(path, job.note)
        return {"model": str(path)}
    try:
        jobs.start("train", user.username, work, redis_lock=True)
    except jobs.Busy as exc:
        raise HTTPException(409, str(exc)) from exc
    return go("/studio/models")


@router.post("/models/publish")
def publish(session: DbDep, user: MaintainerDep, model: str = Form(...)) -> RedirectResponse:
    try:
        models.publish(session, model, user.username)
    except models.PublishError as exc:
        return go("/studio/models?" + urlencode({"error": str(exc)}))
    return go("/studio/models")


@router.post("/models/rollback")
def rollback(session: DbDep, user: MaintainerDep) -> RedirectResponse:
    try:
        models.rollback(session, user.username)
    except models.PublishError as exc:
        return go("/studio/models?" + urlencode({"error": str(exc)}))
    return go("/studio/models")


# -- responses ---------------------------------------------------------------------------

@router.get("/responses", response_class=HTMLResponse)
def responses_page(request: Request, user: UserDep, q: str = ""):
    found = [r for r in responses.all_responses().values()
             if not q or q in r.name or any(q in (t or "") for t in r.texts)]
    return page(request, "responses.html", user, responses=found, q=q, preview=responses.preview)


@router.get("/responses/{name}", response_class=HTMLResponse)
def response_page(request: Request, name: str, user: UserDep):
    response = responses.all_responses().get(name)
    if response is None:
        raise HTTPException(404, "no such response")
    return page(request, "response.html", user, response=response, preview=responses.preview,
                result=None, error=None)


@router.post("/responses/{name}", response_class=HTMLResponse)
def save_response(request: Request, name: str, user: UserDep, index: int = Form(...),
                  text: str = Form(...)):
    error, result = None, None
    try:
        responses.update(name, index, text)
        result = rasa_cli.validate()
    except responses.ResponseError as exc:
        error = str(exc)
    response = responses.all_responses().get(name)
    if response is None:
        raise HTTPException(404, "no such response")
    return page(request, "response.html", user, response=response, preview=responses.preview,
                result=result, error=error, status_code=422 if error else 200)


# -- JSON ------------------------------------------------------------------------------------

@router.get("/api/jobs")
def job_status(user: UserDep) -> dict:
    return {kind: (job.public() if (job := jobs.current(kind)) else None)
            for kind in ("train", "evaluate")}


@router.get("/api/models")
def model_status(user: UserDep) -> dict:
    return {"live": models.live_model(), "models": [str(p) for p in models.list_models()]}

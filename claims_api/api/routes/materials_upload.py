"""Files customers upload as claim materials (web chat, WeChat photos).

`POST /claims/{report_no}/materials` stores the file under MATERIALS_DIR
(`<dir>/<report_no>/<file_id>.<ext>` plus a `<file_id>.json` with its metadata), records
it as a received material of the claim (a `claim_materials` row and a `claim_events`
row) and answers what was stored. Limits: JPEG, PNG or PDF (checked on the content, not
the name), at most 10 MB. With the bot token a file may only be added to a claim filed in
the same conversation (`conversation_id`), so a report number alone is not enough to
attach files to someone's claim; the staff token may add to any claim.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path as PathParam, Query, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from claims_api import crud, models
from claims_api.api.deps import BotScope, SessionDep, require_staff_scope
from claims_api.core.config import REPO_ROOT
from claims_api.core.security import Scope
from claims_api.domain import stages
from claims_api.domain.stages import Stage
from claims_api.errors import ApiError
from claims_api.schemas import ErrorOut, ShanghaiDatetime

router = APIRouter(prefix="/claims", tags=["materials"])

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# content type → (magic bytes at the start of the file, extension)
ALLOWED_TYPES: dict[str, tuple[bytes, str]] = {
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
    "application/pdf": (b"%PDF-", ".pdf"),
}
UPLOAD_CODE_PREFIX = "upload:"
DEFAULT_MATERIALS_DIR = REPO_ROOT / "var" / "materials"

TOO_LARGE_ZH = "文件太大了：单个文件不能超过10MB，请压缩后再上传。"
WRONG_TYPE_ZH = "只能上传 JPG、PNG 格式的图片或 PDF 文件，请换一个文件再试。"
EMPTY_ZH = "这个文件是空的，请重新选择后再上传。"
NOT_THIS_CONVERSATION_ZH = "只能为在本次对话中提交的报案上传材料。如需为其他案件补充材料，请联系人工客服。"
CLOSED_ZH = "这个案件已经结案，不能再上传材料了。如有疑问请联系人工客服。"

ReportNoPath = Annotated[str, PathParam(pattern=r"^[A-Za-z0-9 ]{1,40}$", description="报案号")]
ConversationId = Annotated[str, Field(min_length=1, max_length=200)]


class UploadedMaterialPublic(BaseModel):
    file_id: str
    report_no: str
    name: str = Field(description="登记的材料名称（案件的已收材料里显示）")
    filename: str = Field(description="客户上传时的文件名")
    content_type: str
    size: int = Field(description="字节数")
    sha256: str
    channel: str | None = None
    uploaded_at: ShanghaiDatetime


class UploadedMaterialsPublic(BaseModel):
    data: list[UploadedMaterialPublic]
    count: int


def materials_dir(request: Request) -> Path:
    """MATERIALS_DIR from the settings when they define it, else the environment."""
    configured = getattr(request.app.state.settings, "MATERIALS_DIR", None) or os.environ.get("MATERIALS_DIR")
    return Path(configured) if configured else DEFAULT_MATERIALS_DIR


MaterialsDir = Annotated[Path, Depends(materials_dir)]


def sniff_type(head: bytes) -> str | None:
    """The allowed content type whose signature the file starts with."""
    for content_type, (magic, _extension) in ALLOWED_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


def clean_filename(name: str | None, extension: str) -> str:
    """The base name without control characters, at most 80 characters, with an extension."""
    base = Path((name or "").replace("\\", "/")).name
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C")
    base = re.sub(r"\s+", " ", base).strip(" .")[-80:]
    return base or f"upload{extension}"


async def _read_limited(upload: UploadFile) -> bytes:
    data = bytearray()
    while chunk := await upload.read(1024 * 1024):
        data.extend(chunk)
        if len(data) > MAX_UPLOAD_BYTES:
            raise ApiError(413, f"file larger than {MAX_UPLOAD_BYTES} bytes", TOO_LARGE_ZH)
    return bytes(data)


def _check_conversation(scope: Scope, claim: models.Claim, conversation_id: str | None) -> None:
    if scope == Scope.staff:
        return
    if not conversation_id or claim.conversation_id != conversation_id:
        raise ApiError(403, "the claim was not filed in this conversation", NOT_THIS_CONVERSATION_ZH)


def _metadata_path(directory: Path, report_no: str, file_id: str) -> Path:
    return directory / report_no / f"{file_id}.json"


@router.post(
    "/{report_no}/materials",
    response_model=UploadedMaterialPublic,
    status_code=201,
    summary="上传理赔材料文件 / Upload a material file",
    description="multipart/form-data：file（JPG、PNG 或 PDF，按文件内容判断，不超过10MB），"
    "conversation_id（机器人令牌必填，必须是提交该报案的对话），channel（可选：socketio、wechat…）。"
    "文件保存后登记为该案件的已收材料，并写入案件历史。",
    responses={
        403: {"model": ErrorOut, "description": "不是在本对话中提交的报案（机器人令牌）"},
        404: {"model": ErrorOut, "description": "报案号不存在"},
        409: {"model": ErrorOut, "description": "案件已结案"},
        413: {"model": ErrorOut, "description": "文件超过10MB"},
        415: {"model": ErrorOut, "description": "不是 JPG、PNG 或 PDF"},
        422: {"model": ErrorOut, "description": "文件为空或参数不正确"},
    },
)
async def upload_material(
    report_no: ReportNoPath,
    session: SessionDep,
    scope: BotScope,
    directory: MaterialsDir,
    file: Annotated[UploadFile, File(description="材料文件：JPG、PNG 或 PDF，不超过10MB")],
    conversation_id: Annotated[str | None, Form(max_length=200)] = None,
    channel: Annotated[str | None, Form(max_length=40, pattern=r"^[a-z_]{1,40}$")] = None,
) -> UploadedMaterialPublic:
    content = await _read_limited(file)
    if not content:
        raise ApiError(422, "the file is empty", EMPTY_ZH)
    content_type = sniff_type(content[:16])
    if content_type is None:
        raise ApiError(415, "only JPEG, PNG and PDF files are accepted", WRONG_TYPE_ZH)
    extension = ALLOWED_TYPES[content_type][1]
    filename = clean_filename(file.filename, extension)

    claim = crud.require_claim(session=session, report_no=report_no, for_update=True)
    _check_conversation(scope, claim, conversation_id)
    if Stage(claim.stage) in stages.TERMINAL_STAGES:
        raise ApiError(409, f"claim is closed ({claim.stage}); materials cannot be added", CLOSED_ZH)

    now = datetime.now(timezone.utc)
    file_id = uuid.uuid4().hex
    name = f"客户上传：{filename[:80]}（{file_id[:6]}）"  # unique per claim without a counter race
    folder = directory / claim.report_no
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{file_id}{extension}"
    public = UploadedMaterialPublic(
        file_id=file_id, report_no=claim.report_no, name=name, filename=filename,
        content_type=content_type, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        channel=channel, uploaded_at=now,
    )
    temporary = stored.with_suffix(".part")
    temporary.write_bytes(content)
    temporary.replace(stored)
    _metadata_path(directory, claim.report_no, file_id).write_text(public.model_dump_json(), "utf-8")
    try:
        claim.materials.append(models.ClaimMaterial(
            code=UPLOAD_CODE_PREFIX + file_id, name=name, status="received", received_at=now))
        claim.updated_at = now
        session.add(models.ClaimEvent(
            claim_id=claim.id, kind="materials_received", from_stage=claim.stage,
            to_stage=claim.stage, actor=f"customer:{channel or 'unknown'}",
            reason=f"客户上传材料：{filename}（{content_type}，{len(content)}字节）", created_at=now,
        ))
        session.commit()
    except Exception:
        stored.unlink(missing_ok=True)
        _metadata_path(directory, claim.report_no, file_id).unlink(missing_ok=True)
        raise
    return public


@router.get(
    "/{report_no}/materials",
    response_model=UploadedMaterialsPublic,
    summary="已上传的材料文件 / List uploaded material files",
    description="该案件客户上传的文件，最早的在前。机器人令牌须带 conversation_id（提交该报案的对话）。",
    responses={403: {"model": ErrorOut, "description": "不是在本对话中提交的报案"},
               404: {"model": ErrorOut, "description": "报案号不存在"}},
)
def list_uploaded_materials(
    report_no: ReportNoPath,
    session: SessionDep,
    scope: BotScope,
    directory: MaterialsDir,
    conversation_id: Annotated[str | None, Query(max_length=200)] = None,
) -> UploadedMaterialsPublic:
    claim = crud.require_claim(session=session, report_no=report_no)
    _check_conversation(scope, claim, conversation_id)
    items = []
    for material in claim.materials:
        if not (material.code or "").startswith(UPLOAD_CODE_PREFIX):
            continue
        path = _metadata_path(directory, claim.report_no, material.code[len(UPLOAD_CODE_PREFIX):])
        if path.exists():
            items.append(UploadedMaterialPublic.model_validate(json.loads(path.read_text("utf-8"))))
    return UploadedMaterialsPublic(data=items, count=len(items))


@router.get(
    "/{report_no}/materials/{file_id}",
    summary="下载材料文件（员工）/ Download a material file",
    dependencies=[Depends(require_staff_scope)],
    responses={404: {"model": ErrorOut, "description": "文件不存在"}},
    response_class=FileResponse,
)
def download_material(
    report_no: ReportNoPath,
    file_id: Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")],
    session: SessionDep,
    directory: MaterialsDir,
) -> FileResponse:
    claim = crud.require_claim(session=session, report_no=report_no)
    path = _metadata_path(directory, claim.report_no, file_id)
    if not path.exists():
        raise ApiError(404, "no such material file")
    meta = UploadedMaterialPublic.model_validate(json.loads(path.read_text("utf-8")))
    stored = path.with_name(f"{file_id}{ALLOWED_TYPES[meta.content_type][1]}")
    return FileResponse(stored, media_type=meta.content_type, filename=meta.filename)

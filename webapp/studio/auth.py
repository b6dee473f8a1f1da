"""Staff accounts of the studio (separate from agents): bcrypt passwords, roles, and a
signed session cookie (itsdangerous).

Roles: `reviewer` reviews the inbox, annotates and edits reply texts; `maintainer` can
also evaluate, train, publish and roll back.
"""
from __future__ import annotations

from typing import Annotated, Optional

import bcrypt
from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.studio.db import ROLES, StudioUser, init_studio_db, new_session
from webapp.studio.settings import get_settings

COOKIE = "studio_session"
SALT = "staff-studio-session"
MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    pass


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


def get_user(session: Session, username: str) -> Optional[StudioUser]:
    return session.scalar(select(StudioUser).where(StudioUser.username == username))


def create_user(*, session: Session, username: str, password: str, role: str,
                update: bool = False) -> StudioUser:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    user = get_user(session, username)
    if user and not update:
        raise AccountError(f"user {username} exists (use --update)")
    user = user or StudioUser(username=username)
    user.password_hash, user.role = hash_password(password), role
    session.add(user)
    session.commit()
    return user


def authenticate(session: Session, username: str, password: str) -> Optional[StudioUser]:
    user = get_user(session, username)
    return user if user and verify_password(password, user.password_hash) else None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=SALT)


def session_token(user: StudioUser) -> str:
    return _serializer().dumps({"u": user.username, "p": user.password_hash[-10:]})


def user_from_token(session: Session, token: Optional[str]) -> Optional[StudioUser]:
    if not token:
        return None
    try:
        data = _serializer().loads(token, max_age=int(get_settings().session_hours * 3600))
    except (BadSignature, SignatureExpired):
        return None
    user = get_user(session, data.get("u", "")) if isinstance(data, dict) else None
    return user if user and user.password_hash[-10:] == data.get("p") else None


def get_db():
    init_studio_db()
    with new_session() as session:
        yield session


DbDep = Annotated[Session, Depends(get_db)]


def current_user(request: Request, session: DbDep) -> StudioUser:
    user = user_from_token(session, request.cookies.get(COOKIE))
    if user is None:
        if request.url.path.startswith("/studio/api/"):
            raise HTTPException(401, "login required")
        # Pages send the browser to the login page.
        raise HTTPException(303, "login required", headers={"Location": "/studio/login"})
    return user


def maintainer(user: Annotated[StudioUser, Depends(current_user)]) -> StudioUser:
    if user.role != "maintainer":
        raise HTTPException(403, "maintainers only")
    return user


UserDep = Annotated[StudioUser, Depends(current_user)]
MaintainerDep = Annotated[StudioUser, Depends(maintainer)]

"""Passwords (bcrypt) and the console's signed session cookie (itsdangerous)."""
from __future__ import annotations

from typing import Optional

import bcrypt
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from webapp.agent.settings import get_settings

COOKIE = "agent_session"
SALT = "agent-console-session"
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=SALT)


def session_token(username: str, password_hash: str) -> str:
    # The hash's tail: a changed password ends the sessions made with the old one.
    return _serializer().dumps({"u": username, "p": password_hash[-10:]})


def read_session_token(token: Optional[str]) -> Optional[dict]:
    if not token:
        return None
    try:
        data = _serializer().loads(token, max_age=int(get_settings().session_hours * 3600))
    except (BadSignature, SignatureExpired):
        return None
    return data if isinstance(data, dict) and "u" in data else None

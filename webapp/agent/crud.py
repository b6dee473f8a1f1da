"""Reads and writes of the agent console's tables (webapp/db.py)."""
from __future__ import annotations

import datetime as dt
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.agent.security import MIN_PASSWORD_LENGTH, hash_password, verify_password
from webapp.db import Agent, CallbackRequest, ConversationRating, Handoff, utcnow


class AccountError(ValueError):
    pass


def get_agent(*, session: Session, username: str) -> Optional[Agent]:
    return session.scalar(select(Agent).where(Agent.username == username))


def create_agent(*, session: Session, username: str, password: str,
                 display_name: Optional[str] = None, update: bool = False) -> Agent:
    username = username.strip()
    if not username or len(username) > 64:
        raise AccountError("username must be 1-64 characters")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    agent = get_agent(session=session, username=username)
    if agent is not None and not update:
        raise AccountError(f"agent {username!r} exists")
    if agent is None:
        agent = Agent(username=username, display_name=display_name or username,
                      password_hash=hash_password(password), is_active=True)
        session.add(agent)
    else:
        agent.password_hash = hash_password(password)
        agent.display_name = display_name or agent.display_name
        agent.is_active = True
    session.commit()
    return agent


def authenticate(*, session: Session, username: str, password: str) -> Optional[Agent]:
    agent = get_agent(session=session, username=username.strip())
    if agent is None or not agent.is_active:
        verify_password(password, "$2b$12$" + "x" * 53)  # same work either way
        return None
    return agent if verify_password(password, agent.password_hash) else None


def open_callbacks(*, session: Session, limit: int = 50) -> List[CallbackRequest]:
    return list(session.scalars(select(CallbackRequest).where(CallbackRequest.status == "open")
                                .order_by(CallbackRequest.created_at).limit(limit)))


def close_callback(*, session: Session, reference: str, agent: str) -> Optional[CallbackRequest]:
    callback = session.scalar(select(CallbackRequest).where(CallbackRequest.reference == reference))
    if callback is None:
        return None
    if callback.status == "open":
        callback.status, callback.handled_by, callback.handled_at = "done", agent, utcnow()
        session.commit()
    return callback


def ratings(*, session: Session, conversation_id: Optional[str] = None,
            max_rating: Optional[int] = None) -> List[ConversationRating]:
    query = select(ConversationRating).order_by(ConversationRating.created_at.desc())
    if conversation_id:
        query = query.where(ConversationRating.conversation_id == conversation_id)
    if max_rating is not None:
        query = query.where(ConversationRating.rating <= max_rating)
    return list(session.scalars(query))


def handoff_history(*, session: Session, conversation_id: str) -> List[Handoff]:
    return list(session.scalars(select(Handoff).where(Handoff.conversation_id == conversation_id)
                                .order_by(Handoff.requested_at)))


def as_utc(value: Optional[float]) -> Optional[dt.datetime]:
    return dt.datetime.fromtimestamp(value, dt.timezone.utc) if value else None
